import Foundation
import OperatorAPI
import Testing

@Suite("state directory")
struct StateDirectoryTests {
    @Test("usage walks nested folders, counts regular files and the logs part, and stops at maxFiles")
    func usage() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let directory = StateDirectory(root)
        try directory.create()
        try Data(repeating: 1, count: 1000).write(to: URL(fileURLWithPath: directory.logPath(for: "web/sidecar/0")))
        try FileManager.default.createDirectory(atPath: directory.configsDirectory + "/deep/er", withIntermediateDirectories: true)
        try Data(repeating: 2, count: 24).write(to: URL(fileURLWithPath: directory.configsDirectory + "/deep/er/a.json"))
        try Data("4242\n".utf8).write(to: URL(fileURLWithPath: directory.pidPath))
        let usage = directory.usage()
        #expect(usage.totalBytes == 1029)
        #expect(usage.logsBytes == 1000)
        #expect(directory.logPath(for: "web/sidecar/0").hasSuffix("/logs/web_sidecar_0.log"))
        #expect(directory.recordedPID() == 4242)
        #expect(directory.usage(maxFiles: 2).totalBytes < 1029)
    }

    @Test("sizes read in binary units with one decimal")
    func bytes() {
        #expect(StateDirectoryUsage.bytes(512) == "512 B")
        #expect(StateDirectoryUsage.bytes(4096) == "4.0 KiB")
        #expect(StateDirectoryUsage.bytes(12_897_485) == "12.3 MiB")
        #expect(StateDirectoryUsage.bytes(1_181_116_006) == "1.1 GiB")
    }
}
