import Foundation
import Sidecar
import SidecarConfig

/// A proxy in front of one backend that answers as a test decides (often wrongly on purpose), for the RFC 9110 /
/// 9112 matrix: write raw bytes to the proxy, read raw bytes back, look at what reached the backend.
struct RFCFixture: Sendable {
    let backend: TestBackend
    let proxy: ProxyHarness

    /// Echoes the received body length and head, so a test sees what the backend got without asking it.
    static let okReply: TestBackend.Behaviour = { _, _ in TestBackend.ok() }

    static func start(
        limits: ProxyLimits? = nil, respondBeforeBody: Bool = false,
        _ behaviour: @escaping TestBackend.Behaviour = okReply
    ) async throws -> RFCFixture {
        let backend = try await TestBackend(respondBeforeBody: respondBeforeBody, behaviour)
        var config = ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])])
        if let limits { config.limits = limits }
        let proxy = try await ProxyHarness(config)
        return RFCFixture(backend: backend, proxy: proxy)
    }

    func stop() async {
        await proxy.stop()
        await backend.stop()
    }

    /// Sends `bytes` on a fresh connection and reads until the proxy closes it.
    func sendReadToEnd(_ bytes: [UInt8], shutdownWrite: Bool = false) async throws -> RawReply {
        let port = proxy.port
        return try await offPool {
            let client = try RawClient(port: port)
            client.send(bytes)
            if shutdownWrite { client.shutdownWrite() }
            return RawReply(bytes: try client.readToEnd())
        }
    }

    func sendReadToEnd(_ text: String, shutdownWrite: Bool = false) async throws -> RawReply {
        try await sendReadToEnd(Array(text.utf8), shutdownWrite: shutdownWrite)
    }

    /// Sends `text` on a fresh connection and reads one framed response (the connection may stay open).
    func send(_ text: String, method: String = "GET") async throws -> RawClient.Response {
        let port = proxy.port
        return try await offPool {
            let client = try RawClient(port: port)
            client.send(text)
            return try client.readResponse(method: method)
        }
    }
}

/// Everything a connection received, with helpers to look at the first response in it.
struct RawReply: Sendable {
    let bytes: [UInt8]
    var text: String { String(decoding: bytes, as: UTF8.self) }
    /// The status of the first response, 0 when nothing (or not HTTP) came back.
    var status: Int {
        let parts = text.prefix { $0 != "\r\n" && $0 != "\r" && $0 != "\n" }.split(separator: " ")
        return parts.count >= 2 ? Int(parts[1]) ?? 0 : 0
    }
    /// The header section of the first response.
    var head: String { text.components(separatedBy: "\r\n\r\n").first ?? "" }
    func header(_ name: String) -> String? {
        TestBackend.Request(head: head + "\r\n\r\n", body: [], connection: 0).header(name)
    }
    /// How many responses (status lines) the bytes hold.
    var responseCount: Int { text.components(separatedBy: "HTTP/1.1 ").count - 1 }
}
