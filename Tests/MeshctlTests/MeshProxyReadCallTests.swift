import Foundation
import Testing

/// mesh-proxy reads its connections with recv(2), as HAProxy does, not NIO's read(2) (CSocketReceive: the VFS layers
/// read(2) adds cost ~70-120 ns per call, two calls per proxied request; docs/performance.md, issue 14).
@Suite("mesh-proxy read calls", .serialized)
struct MeshProxyReadCallTests {
    @Test("the bytes of 100 requests of 1 kB reach the proxy through recv(2), not read(2)")
    func requestsAreReceivedWithRecv() throws {
        let proxy = try ChildProcess(ChildProcess.meshProxy, [
            "--threads", "1", "--listen", "127.0.0.1:0", "--to", "127.0.0.1:9",
        ])
        defer { proxy.stop() }
        let port = try proxy.port(after: "listening")
        let padding = ["x-padding: " + String(repeating: "a", count: 1000)]
        #expect(HeaderGet.get(port: port, host: "a", headers: padding)?.status == 503)
        let before = try Self.bytesRead(pid: proxy.pid)
        // Nothing listens on port 9: the proxy answers 503 itself, after reading each request from its client.
        for _ in 0..<100 { #expect(HeaderGet.get(port: port, host: "a", headers: padding)?.status == 503) }
        let bytes = try Self.bytesRead(pid: proxy.pid) - before
        // With read(2) over 100,000 bytes; what remains is NIO's timer descriptor, 8 bytes a read(2) (a few per
        // request here: the retries' backoff against the refused endpoint).
        #expect(bytes < 20_000, "bytes read with read(2) for 100 requests: \(bytes)")
    }

    /// Bytes the process read with read(2)-family calls (`rchar` in /proc/PID/io; recv(2) does not count).
    private static func bytesRead(pid: Int32) throws -> Int {
        let text = try String(contentsOfFile: "/proc/\(pid)/io", encoding: .utf8)
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("rchar:") })
        return try #require(Int(line.dropFirst("rchar:".count).trimmingCharacters(in: .whitespaces)))
    }
}
