import Foundation
import ProcessRuntime
import Testing

/// `ProcFile.forEachLine`: the lines of a file of any size through one small buffer, lines cut across reads put back
/// together, a line longer than the buffer skipped, the reader stopped when asked.
@Suite("ProcFile lines")
struct ProcFileLineTests {
    private func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lines-\(UUID().uuidString)").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func lines(_ path: String, chunk: Int, stopAfter: Int = .max) -> [String] {
        var seen: [String] = []
        ProcFile.forEachLine(path, chunk: chunk, maxBytes: 1 << 20) { line in
            seen.append(String(decoding: line, as: UTF8.self))
            return seen.count < stopAfter
        }
        return seen
    }

    @Test func linesCutAcrossReadsArePutBackTogether() throws {
        let expected = (0..<500).map { "line \($0) " + String(repeating: "x", count: $0 % 13) }
        let path = try file(expected.joined(separator: "\n") + "\n")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(lines(path, chunk: 32) == expected)
        #expect(lines(path, chunk: 16) == expected.filter { $0.utf8.count < 16 }, "lines that do not fit are skipped")
        #expect(lines(path, chunk: 7) == expected.filter { $0.utf8.count < 7 })
        #expect(lines(path, chunk: 65536) == expected)
    }

    @Test func aLongLineIsSkippedAndTheNextOneKept() throws {
        let path = try file("a\nbb\n" + String(repeating: "z", count: 100) + "\nccc\nno newline")
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(lines(path, chunk: 16) == ["a", "bb", "ccc"])
        #expect(lines(path, chunk: 16, stopAfter: 2) == ["a", "bb"])
    }

    @Test func aMissingFileIsFalse() {
        #expect(!ProcFile.forEachLine("/proc/no/such/file", chunk: 16, maxBytes: 64) { _ in true })
        #expect(ProcFile.forEachLine("/proc/self/status", chunk: 4096, maxBytes: 1 << 20) { _ in true })
    }
}
