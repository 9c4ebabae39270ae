import Foundation
import Logging
import ProcessRuntime
import Testing

@testable import OperatorCore

#if canImport(Glibc)
import Glibc
#endif

/// The operator's kept outbound sockets with real processes: a child started with one accepts from that very
/// socket (its stdin), a restarted operator recovers it from the child with `pidfd_getfd`, and a child without one
/// is refused with the reason (the fallback: that sidecar binds its port itself at its next start).
@Suite("listener keeper")
struct ListenerKeeperTests {
    private func sleeper(listeningSocket: Int32?) async throws -> (LocalProcessRuntime, ProcessHandle) {
        let runtime = LocalProcessRuntime()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("keeper-\(UUID().uuidString).log").path
        let handle = try await runtime.spawn(ProcessSpec(arguments: ["/bin/sleep", "30"], logPath: log,
                                                         listeningSocket: listeningSocket))
        return (runtime, handle)
    }

    @Test func aChildGetsTheKeptSocketAsStdinAndARestartedOperatorRecoversIt() async throws {
        let port = PortProbe.pickFree()
        let keeper = ListenerKeeper(logger: Logger(label: "test"))
        let fd = try #require(keeper.socket(forPort: port))
        #expect(keeper.socket(forPort: port) == fd, "one socket per port")
        let (runtime, child) = try await sleeper(listeningSocket: fd)
        defer { Task { _ = await runtime.stop(child, grace: .seconds(1)) } }

        // Another operator (no socket held) takes a copy from the child: the same socket, listening on the port.
        let copy = try ListenerKeeper.copyListener(pid: child.pid, port: port).get()
        defer { close(copy) }
        let ours = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")
        let theirs = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(copy)")
        #expect(ours.hasPrefix("socket:") && ours == theirs, "the same open socket, not a new one")

        // Closed by the keeper, the port stays held while the child has it; free once the child is gone.
        keeper.retain(ports: [])
        #expect(!PortProbe.isFree(port))
        close(copy)
        _ = await runtime.stop(child, grace: .seconds(1))
        #expect(PortProbe.isFree(port))
    }

    @Test func aChildWithoutAKeptSocketIsNotTakenForOne() async throws {
        let (runtime, child) = try await sleeper(listeningSocket: nil)
        defer { Task { _ = await runtime.stop(child, grace: .seconds(1)) } }
        let result = ListenerKeeper.copyListener(pid: child.pid, port: PortProbe.pickFree())
        guard case .failure(let problem) = result else {
            Issue.record("recovered a socket from a process that has none")
            return
        }
        #expect(problem.description.contains("not a socket"), "\(problem)")
        _ = await runtime.stop(child, grace: .seconds(1))
    }
}
