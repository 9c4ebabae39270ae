import Foundation
import OperatorCore

#if canImport(Glibc)
import Glibc
#endif
// `stat`'s and `timeval`'s members are found in whichever C module first included their header once swift-crypto
// and swift-nio-ssl are in the graph; MemberImportVisibility wants that module imported.
#if canImport(CoreFoundation)
import CoreFoundation
#endif
#if canImport(CNIOLinux)
import CNIOLinux
#endif

/// An operator started by a test: a `meshctl operator` child in a temporary state directory, on free loopback ports.
/// `stop()` runs `meshctl down` and makes sure, by PID, that nothing it started is left.
final class OperatorHarness {
    let directory: String
    let stateDirectory: String
    let gatewayPort: Int
    /// The `meshctl` the operator runs from; proxies run `mesh-proxy` from the same directory when it is there.
    let executable: String
    private var process: Process?

    init(executable: String = MeshctlRunner.executable) throws {
        self.executable = executable
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("mesh-e2e-\(UUID().uuidString.prefix(8))").path
        stateDirectory = directory + "/state"
        try FileManager.default.createDirectory(atPath: directory + "/manifests", withIntermediateDirectories: true)
        gatewayPort = Self.freePort()
    }

    var manifests: String { directory + "/manifests" }

    /// Starts the operator and waits (bounded) until it answers; `environment` is added to the test's own,
    /// `arguments` to the operator's flags.
    func start(environment: [String: String] = [:], arguments: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        process.arguments = ["operator", "--state-dir", stateDirectory, "--gateway-port", String(gatewayPort),
                             "--dns", "127.0.0.1:0"] + arguments
        let log = directory + "/operator.out"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        self.process = process
        for _ in 0..<100 {
            if (try? meshctl(["status"]))?.status == 0 { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw HarnessError.operatorDidNotStart(log: (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    var operatorPID: Int32? { process?.processIdentifier }

    /// Kills the operator without letting it clean up, as a crash would.
    func crashOperator() {
        guard let process else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process = nil
    }

    func meshctl(_ arguments: [String]) throws -> MeshctlRunner.Result {
        try MeshctlRunner.run(arguments + ["--state-dir", stateDirectory], in: directory, timeout: .seconds(60))
    }

    func write(_ name: String, _ text: String) throws {
        try text.write(toFile: manifests + "/" + name, atomically: true, encoding: .utf8)
    }

    /// Polls `condition` every 200 ms for at most `seconds`.
    func eventually(_ seconds: Double = 30, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return false
    }

    /// `eventually` for a condition that awaits (an admin API call, say): polls every 100 ms for at most `seconds`.
    func eventuallyAwaiting(_ seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// A Service's `status.readyReplicas` as `meshctl get services NAME -o json` shows it (nil when it says none).
    func readyReplicas(_ service: String) throws -> Int? {
        let output = try meshctl(["get", "services", service, "-o", "json"]).stdout
        guard let object = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
              let status = object["status"] as? [String: Any] else { return nil }
        return status["readyReplicas"] as? Int
    }

    /// The processes the operator reports, by slot.
    func processes() throws -> [String: Int32] {
        let output = try meshctl(["status"]).stdout
        var result: [String: Int32] = [:]
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 3, fields[0].contains("/"), fields[0].filter({ $0 == "/" }).count == 2,
               let pid = Int32(fields[1]) {
                result[String(fields[0])] = pid
            }
        }
        return result
    }

    /// `meshctl down`, then by PID: the operator and every process it reported.
    func stop() {
        let pids = (try? processes()) ?? [:]
        _ = try? meshctl(["down"])
        if let process {
            let deadline = Date().addingTimeInterval(20)
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        for pid in pids.values where kill(pid, 0) == 0 { kill(-pid, SIGKILL); kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func freePort() -> Int { PortProbe.pickFree() }

    enum HarnessError: Error {
        case operatorDidNotStart(log: String)
    }
}

/// One HTTP/1.1 GET over a fresh connection to 127.0.0.1; returns status and body (nil when the connection failed).
enum LoopbackGet {
    /// `bodyBytes`: a body of that many bytes (past 64 KiB no proxy keeps it to send again).
    static func get(port: Int, path: String = "/", host: String = "test", method: String = "GET",
                    bodyBytes: Int = 0) -> (status: Int, body: String)? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = connectLoopback(fd, port: port)
        guard connected == 0 else { return nil }
        let request = "\(method) \(path) HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n"
            + (method == "GET" ? "" : "Content-Length: \(bodyBytes)\r\n") + "\r\n"
        let bytesOut = Array(request.utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: method == "GET" ? 0 : bodyBytes)
        var sent = 0
        for _ in 0..<1000 where sent < bytesOut.count {
            let n = bytesOut[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        for _ in 0..<256 {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let statusLine = text.split(separator: "\r\n").first, statusLine.hasPrefix("HTTP/1.1 "),
              let status = Int(statusLine.split(separator: " ")[1]) else { return nil }
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return (status, body)
    }
}
