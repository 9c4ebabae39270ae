#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Sidecar
import SidecarConfig
import Testing

/// What one admin connection does with what a client sends it, whatever writes the answers: requests sent together
/// are answered in order, each after the one before it took effect; HEAD gets no body; what cannot be parsed gets
/// 400; `Connection: close` is answered, then the connection closes.
@Suite("Admin connection: order, HEAD, bad requests, close", .serialized)
struct AdminConnectionTests {
    private func request(_ method: String, _ path: String, body: String? = nil, close: Bool = false) -> String {
        var text = "\(method) \(path) HTTP/1.1\r\nhost: admin\r\n"
        if close { text += "connection: close\r\n" }
        if let body { text += "content-type: application/json\r\ncontent-length: \(body.utf8.count)\r\n" }
        return text + "\r\n" + (body ?? "")
    }

    @Test("a PUT, a version read, a PATCH and a HEAD sent in one write: answered in order, each after the one before")
    func pipelined() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok() }
        let services = [ServiceConfig(name: "b", endpoints: [backend.address]), ServiceConfig(name: "b-v2", endpoints: [backend.address])]
        let proxy = try await ProxyHarness(ProxyHarness.config(version: "v1", services: services))
        let v2 = String(decoding: ProxyHarness.config(version: "v2", services: services).encodedJSON(), as: UTF8.self)
        let patch = String(decoding: try JSONEncoder().encode(SidecarConfigPatch(base: "v2", version: "v3", splits: [
            TrafficSplitConfig(name: "b", rootService: "b", backends: [.init(service: "b-v2", weight: 1)]),
        ])), as: UTF8.self)
        let adminPort = proxy.adminPort
        let (put, version, patched, head, ready) = try await offPool {
            let client = try RawClient(port: adminPort)
            // The PUT is answered by a task, the rest on the event loop: without keeping them in order, the version
            // read would answer v1 and the patch (based on v2) would be refused.
            client.send(request("PUT", "/config", body: v2) + request("GET", "/config/version")
                        + request("PATCH", "/config", body: patch) + request("HEAD", "/ready"))
            return (try client.readResponse(), try client.readResponse(), try client.readResponse(),
                    try client.readResponse(method: "HEAD"), try client.request("GET", "/ready"))
        }
        #expect(put.status == 200)
        #expect(put.text.contains("\"v2\""))
        #expect(version.text.contains("\"version\":\"v2\""))
        #expect(patched.status == 200)
        #expect(patched.text.contains("\"v3\""))
        #expect(head.status == 405)
        #expect(head.header("content-length") == "19")
        // No body after the HEAD answer: the next bytes on the connection are the GET's answer.
        #expect(ready.status == 200)
        #expect(ready.text == "ready\n")
        #expect(proxy.server.configuration.version == "v3")
        await proxy.stop()
        await backend.stop()
    }

    @Test("a request that cannot be parsed: 400 saying the connection closes; Connection: close is answered, then closed")
    func refusedAndClosed() async throws {
        let proxy = try await ProxyHarness(ProxyHarness.config(version: "v1", services: [ServiceConfig(name: "b", endpoints: [])]))
        let adminPort = proxy.adminPort
        let (garbage, last, lastClosed) = try await offPool {
            let bad = try RawClient(port: adminPort)
            bad.send("NOT HTTP AT ALL\r\n\r\n")
            let refused = try bad.readResponse()
            let closing = try RawClient(port: adminPort)
            closing.send(request("GET", "/ready", close: true) + request("GET", "/ready"))
            let answered = try closing.readResponse()
            return (refused, answered, closing.isClosedByPeer())
        }
        #expect(garbage.status == 400)
        #expect(garbage.header("connection") == "close")
        #expect(last.status == 200)
        #expect(last.text == "ready\n")
        #expect(lastClosed)
        await proxy.stop()
    }
}
