import Sidecar
import SidecarConfig
import Testing
import Foundation

@Suite("Proxy framing edge cases", .serialized)
struct ProxyFramingTests {
    @Test("response fields arrive byte for byte: obs-text kept, Set-Cookie lines not combined, order kept")
    func fieldsUnchanged() async throws {
        let head: [UInt8] = Array("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-Raw: caf".utf8) + [0xE9, 0xFF]
            + Array("\r\nSet-Cookie: b=2; Path=/\r\ncontent-length: 2\r\n\r\nok".utf8)
        let backend = try await TestBackend { _, _ in .raw(head) }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])]))
        let raw = try await offPool {
            let client = try RawClient(port: proxy.port)
            client.send("GET / HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n")
            return try client.readToEnd()
        }
        let expected: [UInt8] = Array("Set-Cookie: a=1\r\nX-Raw: caf".utf8) + [0xE9, 0xFF]
            + Array("\r\nSet-Cookie: b=2; Path=/\r\n".utf8)
        #expect(raw.firstRange(of: expected) != nil)
        await proxy.stop()
        await backend.stop()
    }

    @Test("a client that dies mid-upload: the upstream never receives a complete request")
    func clientDiesMidUpload() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok() }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [backend.address])]))
        try await offPool {
            let client = try RawClient(port: proxy.port)
            client.send("POST /pay HTTP/1.1\r\nhost: t\r\ncontent-length: 100\r\n\r\nonly ten b")
            Thread.sleep(forTimeInterval: 0.1)
        }  // the client's socket closes here
        try await Task.sleep(for: .milliseconds(200))
        #expect(backend.requests.isEmpty)
        #expect(backend.connections == 1)
        await proxy.stop()
        await backend.stop()
    }

    @Test("an early response (before the request body is complete) is forwarded, then the connection closes")
    func earlyResponse() async throws {
        // Answers 413 as soon as the head is in, without reading the body.
        let rejecting = try await TestBackend(respondBeforeBody: true) { _, _ in
            .raw(Array("HTTP/1.1 413 Content Too Large\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".utf8), close: true)
        }
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [ServiceConfig(name: "b", endpoints: [rejecting.address])]))
        let (status, closed) = try await offPool {
            let client = try RawClient(port: proxy.port)
            client.send("POST /upload HTTP/1.1\r\nhost: t\r\ncontent-length: 1000000\r\n\r\nstart")
            let response = try client.readResponse()
            return (response.status, client.isClosedByPeer())
        }
        #expect(status == 413)
        #expect(closed)
        await proxy.stop()
        await rejecting.stop()
    }
}
