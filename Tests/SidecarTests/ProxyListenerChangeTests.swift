import Foundation
import Sidecar
import SidecarConfig
import Testing

/// Listeners change in a running proxy (a configuration push), and two proxies can share fixed ports while one
/// replaces the other (`--reuse-port`).
@Suite("Proxy listener changes", .serialized)
struct ProxyListenerChangeTests {
    private func config(_ version: String, _ listeners: [Listener], backends: [String: TestBackend]) -> SidecarConfiguration {
        SidecarConfiguration(
            version: version, listeners: listeners,
            services: backends.sorted { $0.key < $1.key }.map { ServiceConfig(name: $0.key, endpoints: ["127.0.0.1:\($0.value.port)"]) })
    }

    private func answer(_ port: Int) throws -> String {
        try RawClient(port: port).request("GET", "/").text
    }

    @Test("a pushed configuration binds a new listener, closes a dropped one, keeps the rest and their connections")
    func listenersChangeInPlace() async throws {
        let a = try await TestBackend { _, _ in TestBackend.ok("a") }
        let b = try await TestBackend { _, _ in TestBackend.ok("b") }
        let backends = ["a": a, "b": b]
        let server = ProxyServer(configuration: config("1", [
            Listener(name: "a", kind: .outbound, address: "127.0.0.1:0", service: "a"),
            Listener(name: "gone", kind: .outbound, address: "127.0.0.1:0", service: "a"),
        ], backends: backends))
        let bound = try await server.start()
        let portA = try #require(bound.first { $0.name == "a" }?.address.port)
        let portGone = try #require(bound.first { $0.name == "gone" }?.address.port)
        // A keep-alive connection on the kept listener, open across the change.
        let kept = try RawClient(port: portA)
        #expect(try kept.request("GET", "/").text == "a")

        let portB = PortFinder.free()
        try await server.apply(config("2", [
            Listener(name: "a", kind: .outbound, address: "127.0.0.1:\(portA)", service: "a"),
            Listener(name: "b", kind: .outbound, address: "127.0.0.1:\(portB)", service: "b"),
        ], backends: backends))

        #expect(try kept.request("GET", "/").text == "a")
        #expect(try answer(portA) == "a")
        #expect(try answer(portB) == "b")
        #expect(throws: RawClient.Failure.self) { try RawClient(port: portGone) }
        #expect(server.boundAddresses.map(\.name).sorted() == ["a", "b"])
        #expect(server.configuration.version == "2")
        await server.drain(timeout: .seconds(2))
        await a.stop()
        await b.stop()
    }

    @Test("a listener that cannot be bound refuses the configuration and leaves the running one as it was")
    func aBindFailureRefusesTheWholeConfiguration() async throws {
        let a = try await TestBackend { _, _ in TestBackend.ok("a") }
        let squatter = try await TestBackend { _, _ in TestBackend.ok("squatter") }
        let backends = ["a": a]
        let server = ProxyServer(configuration: config("1", [
            Listener(name: "a", kind: .outbound, address: "127.0.0.1:0", service: "a")
        ], backends: backends))
        let portA = try #require(try await server.start().first?.address.port)
        let freeButUnused = PortFinder.free()
        do {
            try await server.apply(config("2", [
                Listener(name: "a", kind: .outbound, address: "127.0.0.1:\(portA)", service: "a"),
                Listener(name: "new", kind: .outbound, address: "127.0.0.1:\(freeButUnused)", service: "a"),
                Listener(name: "taken", kind: .outbound, address: "127.0.0.1:\(squatter.port)", service: "a"),
            ], backends: backends))
            Issue.record("a configuration with an address in use was accepted")
        } catch {
            #expect(error.problems.map(\.path) == ["listeners[2].address"])
        }
        #expect(server.configuration.version == "1")
        #expect(try answer(portA) == "a")
        #expect(try answer(squatter.port) == "squatter")
        // What the refused configuration had bound is closed again.
        #expect(throws: RawClient.Failure.self) { try RawClient(port: freeButUnused) }
        await server.drain(timeout: .seconds(2))
        await a.stop()
        await squatter.stop()
    }

    @Test("with --reuse-port a second proxy binds the same port, takes every new connection, and the first drains")
    func theNewestReusePortProxyTakesNewConnections() async throws {
        let old = try await TestBackend { _, _ in TestBackend.ok("old") }
        let new = try await TestBackend { _, _ in TestBackend.ok("new") }
        let first = ProxyServer(
            configuration: config("1", [Listener(name: "svc", kind: .outbound, address: "127.0.0.1:0", service: "old")],
                                  backends: ["old": old]),
            options: .init(reusePort: true))
        let port = try #require(try await first.start().first?.address.port)
        #expect(try answer(port) == "old")
        let second = ProxyServer(
            configuration: config("1", [Listener(name: "svc", kind: .outbound, address: "127.0.0.1:\(port)", service: "new")],
                                  backends: ["new": new]),
            options: .init(reusePort: true))
        try await second.start()
        // Fresh connections from many source ports: the kernel's hash alone would send about half to the first.
        let answers = try await offPool { try (0..<40).map { _ in try self.answer(port) } }
        #expect(answers.allSatisfy { $0 == "new" })
        await first.drain(timeout: .seconds(2))
        #expect(try answer(port) == "new")
        await second.drain(timeout: .seconds(2))
        await old.stop()
        await new.stop()
    }
}

/// A loopback port nothing listens on right now.
enum PortFinder {
    static func free() -> Int {
        let socket = bound(listening: false)
        close(socket.fd)
        return socket.port
    }

    /// A TCP socket bound to 127.0.0.1 on a port the kernel picks, listening when asked; the caller closes it.
    static func bound(listening: Bool) -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                _ = bind(fd, pointer, length)
                if listening { _ = listen(fd, 1) }
                return getsockname(fd, pointer, &length)
            }
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}

@Suite("Proxy drain", .serialized)
struct ProxyDrainTests {
    @Test("a drain answers a request sent on an idle keep-alive connection, with connection: close, then closes it")
    func aKeepAliveClientGetsItsAnswerDuringTheDrain() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok("ok") }
        let server = ProxyServer(configuration: SidecarConfiguration(
            version: "1", listeners: [Listener(name: "in", kind: .inbound, address: "127.0.0.1:0", service: "b")],
            services: [ServiceConfig(name: "b", endpoints: ["127.0.0.1:\(backend.port)"])]))
        let port = try #require(try await server.start().first?.address.port)
        let client = try RawClient(port: port)
        #expect(try client.request("GET", "/").status == 200)
        let drained = Task { await server.drain(timeout: .seconds(8)) }
        try await Task.sleep(for: .milliseconds(100))
        // The client did not know about the drain and reuses its connection, as a pooled HTTP client would.
        let answer = try client.request("GET", "/")
        #expect(answer.status == 200)
        #expect(answer.header("connection")?.lowercased() == "close")
        let started = ContinuousClock.now
        await drained.value
        #expect(ContinuousClock.now - started < .seconds(1), "the drain ends once its last client has gone")
        await backend.stop()
    }
}
