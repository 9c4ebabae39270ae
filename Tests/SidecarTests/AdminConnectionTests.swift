#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Sidecar
import SidecarConfig
import Testing

/// What one admin connection does with what a client sends it, whatever frames the requests and writes the answers:
/// requests sent together are answered in order, each after the one before it took effect; a body comes with
/// Content-Length or chunked, in one write or many; HEAD gets no body; what cannot be parsed gets 400 and the
/// connection closes; a body over the limit gets 413 and the connection goes on; `Connection: close` is answered,
/// then the connection closes.
@Suite("Admin connection: order, framing, HEAD, bad requests, close", .serialized)
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

    private func splitsPatch(base: String, version: String, weight: Int) throws -> String {
        String(decoding: try JSONEncoder().encode(SidecarConfigPatch(base: base, version: version, splits: [
            TrafficSplitConfig(name: "b", rootService: "b", backends: [.init(service: "b-v2", weight: weight)]),
        ])), as: UTF8.self)
    }

    private var splitServices: [ServiceConfig] {
        [ServiceConfig(name: "b", endpoints: []), ServiceConfig(name: "b-v2", endpoints: [])]
    }

    @Test("a chunked PATCH (an extension, a trailer) and one sent a byte at a time are both taken, in order")
    func chunkedAndInPieces() async throws {
        let proxy = try await ProxyHarness(ProxyHarness.config(version: "v1", services: splitServices))
        let first = try splitsPatch(base: "v1", version: "v2", weight: 1)
        let second = try splitsPatch(base: "v2", version: "v3", weight: 2)
        let adminPort = proxy.adminPort
        let (chunked, pieces, version) = try await offPool {
            let client = try RawClient(port: adminPort)
            let cut = first.utf8.count / 3
            let a = String(first.utf8.prefix(cut))!, b = String(first.utf8.dropFirst(cut))!
            client.send("PATCH /config HTTP/1.1\r\nhost: admin\r\ntransfer-encoding: chunked\r\n\r\n"
                        + String(a.utf8.count, radix: 16) + ";note=x\r\n" + a + "\r\n"
                        + String(b.utf8.count, radix: 16) + "\r\n" + b + "\r\n0\r\nx-trailer: t\r\n\r\n")
            let chunked = try client.readResponse()
            // The head and the body arrive in many reads: each is framed once it is whole.
            for byte in Array(self.request("PATCH", "/config", body: second).utf8) {
                client.send([byte])
                usleep(200)
            }
            return (chunked, try client.readResponse(), try client.request("GET", "/config/version"))
        }
        #expect(chunked.status == 200)
        #expect(chunked.text == "{\"version\":\"v2\"}\n")
        #expect(pieces.status == 200)
        #expect(pieces.text == "{\"version\":\"v3\"}\n")
        #expect(version.text.hasPrefix("{\"version\":\"v3\",\"appliedAt\":"))
        #expect(proxy.server.configuration.splits.first?.backends.first?.weight == 2)
        await proxy.stop()
    }

    @Test("a body over the limit: 413, nothing changed, and the next request on the connection is answered")
    func oversizedBody() async throws {
        let proxy = try await ProxyHarness(ProxyHarness.config(version: "v1", services: splitServices))
        let adminPort = proxy.adminPort
        let (tooLarge, tooLargeChunked, after) = try await offPool {
            let client = try RawClient(port: adminPort, timeoutSeconds: 20)
            let body = String(repeating: " ", count: 4 * 1024 * 1024 + 1)
            let tooLarge = try client.request("PUT", "/config", body: body)
            // Chunked, so the size is known only once it is past the limit.
            let chunk = String(repeating: " ", count: 1024 * 1024)
            client.send("PUT /config HTTP/1.1\r\nhost: admin\r\ntransfer-encoding: chunked\r\n\r\n"
                        + String(repeating: "100000\r\n" + chunk + "\r\n", count: 5) + "0\r\n\r\n")
            return (tooLarge, try client.readResponse(), try client.request("GET", "/ready"))
        }
        #expect(tooLarge.status == 413)
        #expect(tooLarge.text == "request body larger than 4194304 bytes\n")
        #expect(tooLargeChunked.status == 413)
        #expect(after.status == 200)
        #expect(after.text == "ready\n")
        #expect(proxy.server.configuration.version == "v1")
        await proxy.stop()
    }

    @Test("a chunked body that breaks the chunk grammar: 400 after the answers before it, then the connection closes")
    func malformedChunkedBody() async throws {
        let proxy = try await ProxyHarness(ProxyHarness.config(version: "v1", services: splitServices))
        let adminPort = proxy.adminPort
        let (ready, refused, closed) = try await offPool {
            let client = try RawClient(port: adminPort)
            client.send(request("GET", "/ready")
                        + "PATCH /config HTTP/1.1\r\nhost: admin\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
                        + request("GET", "/ready"))
            return (try client.readResponse(), try client.readResponse(), client.isClosedByPeer())
        }
        #expect(ready.status == 200)
        #expect(refused.status == 400)
        #expect(refused.head == "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
        #expect(closed)
        #expect(proxy.server.configuration.version == "v1")
        await proxy.stop()
    }

    @Test("the answers' bytes: a version read, a patch, a HEAD, an unknown path, a request without Host")
    func answerBytes() async throws {
        let proxy = try await ProxyHarness(ProxyHarness.config(version: "v1", services: splitServices), adminToken: "t0k3n")
        let patch = try splitsPatch(base: "v1", version: "v2", weight: 3)
        let adminPort = proxy.adminPort
        let answers = try await offPool {
            let client = try RawClient(port: adminPort)
            client.send("PATCH /config HTTP/1.1\r\nhost: admin\r\nauthorization: Bearer t0k3n\r\ncontent-length: \(patch.utf8.count)\r\n\r\n"
                        + patch + "HEAD /config/version HTTP/1.1\r\nhost: admin\r\n\r\n"
                        + "GET /nowhere?x=1 HTTP/1.1\r\n\r\n" + "PATCH /config HTTP/1.1\r\ncontent-length: 2\r\n\r\n{}")
            return [try client.readResponse(), try client.readResponse(method: "HEAD"), try client.readResponse(),
                    try client.readResponse()]
        }
        #expect(answers[0].head == "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 17\r\n\r\n")
        #expect(answers[0].text == "{\"version\":\"v2\"}\n")
        #expect(answers[1].head == "HTTP/1.1 405 Method Not Allowed\r\ncontent-type: text/plain\r\ncontent-length: 19\r\n\r\n")
        #expect(answers[2].head == "HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\ncontent-length: 10\r\n\r\n")
        #expect(answers[2].text == "not found\n")
        #expect(answers[3].head == "HTTP/1.1 401 Unauthorized\r\nwww-authenticate: Bearer\r\ncontent-type: text/plain\r\ncontent-length: 55\r\n\r\n")
        #expect(proxy.server.configuration.version == "v2")
        await proxy.stop()
    }

    @Test("a proxy of two event loops: the patch is answered once both loops swapped, then the version read")
    func patchAcrossLoops() async throws {
        let proxy = try await ProxyHarness(ProxyHarness.config(version: "v1", services: splitServices), threads: 2)
        let patch = try splitsPatch(base: "v1", version: "v2", weight: 4)
        let stale = try splitsPatch(base: "v1", version: "v3", weight: 5)
        let adminPort = proxy.adminPort
        let (patched, conflict, version) = try await offPool {
            let client = try RawClient(port: adminPort)
            client.send(request("PATCH", "/config", body: patch) + request("PATCH", "/config", body: stale)
                        + request("GET", "/config/version"))
            return (try client.readResponse(), try client.readResponse(), try client.readResponse())
        }
        #expect(patched.status == 200)
        #expect(conflict.status == 409)
        #expect(conflict.text.contains("this proxy runs version v2, not v1"))
        #expect(version.text.contains("\"version\":\"v2\""))
        await proxy.stop()
    }
}
