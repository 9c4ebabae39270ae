import Foundation
import ProcessRuntime

/// A fresh directory for one test's logs.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("processruntime-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Runs `body` with a freshly spawned process and stops that process afterwards, whatever `body` did.
func withSpawned<T>(
    _ spec: ProcessSpec,
    on runtime: some ProcessRuntime,
    _ body: (ProcessHandle) async throws -> T
) async throws -> T {
    let handle = try await runtime.spawn(spec)
    do {
        let result = try await body(handle)
        _ = await runtime.stop(handle, grace: .seconds(1))
        return result
    } catch {
        _ = await runtime.stop(handle, grace: .seconds(1))
        throw error
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(5), _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}

/// How many of this process's descriptors are open on `path` (read from /proc/self/fd).
func descriptorsOpen(on path: String) -> Int {
    let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
    return fds.count { fd in
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")) == path
    }
}

/// The first element `stream` delivers, or nil if none comes within `timeout`.
func firstElement<Element: Sendable>(
    of stream: AsyncStream<Element>,
    within timeout: Duration = .seconds(5)
) async -> Element? {
    await withTaskGroup(of: Element?.self) { group in
        group.addTask {
            var iterator = stream.makeAsyncIterator()
            return await iterator.next()
        }
        group.addTask {
            try? await Task.sleep(for: timeout)
            return nil
        }
        let first = await group.next() ?? nil
        group.cancelAll()
        return first
    }
}
