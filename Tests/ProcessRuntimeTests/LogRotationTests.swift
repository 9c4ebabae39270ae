import Foundation
import ProcessRuntime
import Testing

/// Output logs stay bounded while a real child writes them through the descriptor it got at spawn.
@Suite("log rotation by copy and truncate")
struct LogRotationTests {
    @Test func aChildsLogIsRotatedWhileItWritesAndKeepsAtMostItsFilesInOrder() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = dir.path + "/web_workload_0.log"
        let runtime = LocalProcessRuntime()
        let rotation = LogRotation(maxBytes: 4096, files: 3)
        // 3,000 numbered lines of ~20 bytes, a little at a time: about 60 KB, many times the bound.
        let writer = """
            import sys, time
            for i in range(3000):
                print(f"line {i:08d} payload", flush=True)
                if i % 50 == 0: time.sleep(0.01)
            """
        var rotations = 0
        try await withSpawned(ProcessSpec(arguments: ["python3", "-c", writer], logPath: log), on: runtime) { handle in
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                if rotation.rotateIfNeeded(log) { rotations += 1 }
                if case .running = await runtime.observe(handle) {} else { break }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        #expect(rotations >= 5, "rotated \(rotations) times")
        let files = [log + ".2", log + ".1", log]
        #expect(files.allSatisfy { FileManager.default.fileExists(atPath: $0) })
        #expect(!FileManager.default.fileExists(atPath: log + ".3"))
        var numbers: [Int] = []
        for file in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            #expect(!data.contains(0), "\(file) has a hole: the child wrote at its old offset after the truncate")
            #expect(data.count <= 4096 + 4096, "\(file): \(data.count) bytes")
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                let fields = line.split(separator: " ")
                #expect(fields.count == 3 && fields[0] == "line", "a torn line: \(line)")
                if fields.count == 3, let number = Int(fields[1]) { numbers.append(number) }
            }
        }
        #expect(numbers == numbers.sorted() && Set(numbers).count == numbers.count, "oldest file first, no repeats")
        #expect(numbers.last == 2999, "the newest lines are kept")
        #expect((numbers.first ?? 0) > 0, "the oldest lines were dropped")
    }

    @Test func theTailOfAJustRotatedLogReachesIntoTheCopy() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = dir.path + "/a.log"
        try Data("one\ntwo\nthree\n".utf8).write(to: URL(fileURLWithPath: log))
        #expect(LogRotation(maxBytes: 4).rotateIfNeeded(log))
        try Data("four\n".utf8).write(to: URL(fileURLWithPath: log))
        // What a crashed replica's event quotes as its last output.
        #expect(await LocalProcessRuntime().tail(logPath: log, lines: 3) == ["two", "three", "four"])
    }

    @Test func aSmallLogIsLeftAloneAndOneFileMeansTruncateOnly() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let log = dir.path + "/a.log"
        try Data(repeating: 0x41, count: 100).write(to: URL(fileURLWithPath: log))
        #expect(!LogRotation(maxBytes: 100).rotateIfNeeded(log))
        #expect(!LogRotation().rotateIfNeeded(dir.path + "/missing.log"))
        #expect(LogRotation(maxBytes: 99, files: 1).rotateIfNeeded(log))
        #expect(!FileManager.default.fileExists(atPath: log + ".1"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: log)).isEmpty)
    }
}
