import Foundation
import NIOCore
import Testing

@testable import Sidecar

/// A proxy's access log is bounded: the writer rotates it by renaming, without losing or reordering a line.
@Suite("access log rotation")
struct AccessLogRotationTests {
    @Test func theWriterKeepsAtMostItsFilesEachUnderTheBoundInOrder() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("al-rot-\(UUID().uuidString.prefix(8)).log").path
        defer { for suffix in ["", ".1", ".2", ".3"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let writer = try AccessLogWriter(path: path, maxFileBytes: 1000, files: 3)
        for index in 0..<100 {
            var batch = ByteBuffer()
            batch.writeString(String(format: "{\"n\":%05d,\"pad\":\"%@\"}\n", index, String(repeating: "x", count: 60)))
            writer.write(batch)  // 81 bytes a line
        }
        await writer.close()
        #expect(writer.droppedBatches == 0)
        #expect(!FileManager.default.fileExists(atPath: path + ".3"), "at most 3 files")
        var numbers: [Int] = []
        for file in [path + ".2", path + ".1", path] {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            #expect(text.utf8.count <= 1000, "\(file): \(text.utf8.count) bytes")
            numbers += text.split(separator: "\n").compactMap { Int($0.dropFirst(5).prefix(5)) }
        }
        // 12 lines fit a file; the three newest files hold the newest lines, contiguous and in order.
        #expect(numbers == Array((100 - numbers.count)..<100), "\(numbers)")
        #expect(numbers.count >= 25)
    }
}
