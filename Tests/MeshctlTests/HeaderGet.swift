import Foundation

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

/// A GET with extra header lines over a fresh loopback connection; answers the status and the demo app's version
/// (`x-demo-version`), or nil when the connection failed.
enum HeaderGet {
    static func get(port: Int, host: String, path: String = "/", headers: [String] = []) -> (status: Int, version: String)? {
        exchange(port: port, host: host, path: path, headers: headers).map { ($0.status, $0.version) }
    }

    /// The same, with one response field's value by lower-cased name (nil when absent).
    static func get(port: Int, host: String, path: String = "/", headers: [String] = [], field: String)
        -> (status: Int, version: String, field: String?)?
    {
        exchange(port: port, host: host, path: path, headers: headers).map { answer in
            let line = answer.lines.first { $0.lowercased().hasPrefix(field + ":") }
            return (answer.status, answer.version, line.map { $0.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces) })
        }
    }

    private static func exchange(port: Int, host: String, path: String, headers: [String])
        -> (status: Int, version: String, lines: [Substring])?
    {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = TinyWebhookServer.loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return nil }
        let extra = headers.map { $0 + "\r\n" }.joined()
        let request = "GET \(path) HTTP/1.1\r\nHost: \(host)\r\n\(extra)Connection: close\r\n\r\n"
        _ = request.withCString { send(fd, $0, strlen($0), 0) }
        let text = TinyWebhookServer.readAll(fd)
        guard let statusLine = text.split(separator: "\r\n").first, statusLine.hasPrefix("HTTP/1.1 "),
              let status = Int(statusLine.split(separator: " ")[1]) else { return nil }
        let lines = text.split(separator: "\r\n")
        let version = lines.first { $0.lowercased().hasPrefix("x-demo-version:") }
            .map { $0.dropFirst("x-demo-version:".count).trimmingCharacters(in: .whitespaces) } ?? "none"
        return (status, version, lines)
    }
}
