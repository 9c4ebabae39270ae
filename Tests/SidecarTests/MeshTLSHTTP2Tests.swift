import Foundation
import Sidecar
import SidecarConfig
import Testing

/// HTTP/2 and gRPC across a sidecar-to-sidecar hop whose callee is `mtls: strict`: the caller's h2 connection to
/// the callee is mTLS with ALPN `h2`, calls are multiplexed on it, and the callee finds HTTP/2 in the decrypted bytes.
@Suite("HTTP/2 and gRPC between sidecars over strict mTLS", .serialized)
struct MeshTLSHTTP2Tests {
    struct Hop {
        let callee: ProxyServer
        let caller: ProxyServer
        let calleePort: Int
        let callerPort: Int
        let callerAdmin: Int

        func stop() async {
            await caller.drain(timeout: .seconds(2))
            await callee.drain(timeout: .seconds(2))
        }
    }

    /// caller (outbound `web`, speaking `callerProtocol` to the callee over mTLS) → callee (inbound, strict, identity
    /// `web`) → `endpoint`, which speaks `calleeProtocol`.
    private func hop(_ authority: MeshTLSTests.Authority, endpoint: String, callerProtocol: ServiceConfig.AppProtocol,
                     calleeProtocol: ServiceConfig.AppProtocol) async throws -> Hop {
        let calleeConfig = SidecarConfiguration(
            version: "callee",
            listeners: [Listener(name: "inbound", kind: .inbound, address: "127.0.0.1:0", service: "local:web", mtls: .strict)],
            services: [ServiceConfig(name: "local:web", endpoints: [endpoint], appProtocol: calleeProtocol)])
        let callee = ProxyServer(configuration: calleeConfig, options: .init(meshTLS: try authority.identity("web").tls))
        let calleePort = try await callee.start().first { $0.name == "inbound" }!.address.port
        var web = ServiceConfig(name: "web", endpoints: ["127.0.0.1:\(calleePort)"], appProtocol: callerProtocol)
        web.mtls = true
        let callerConfig = SidecarConfiguration(
            version: "caller",
            listeners: [Listener(name: "outbound", kind: .outbound, address: "127.0.0.1:0", service: "web")],
            services: [web], defaultRequestTimeout: .seconds(10))
        let caller = ProxyServer(configuration: callerConfig, options: .init(
            admin: HostPort(host: "127.0.0.1", port: 0), meshTLS: try authority.identity("frontend").tls))
        let bound = try await caller.start()
        return Hop(callee: callee, caller: caller, calleePort: calleePort,
                   callerPort: bound.first { $0.name == "outbound" }!.address.port,
                   callerAdmin: bound.first { $0.kind == "admin" }!.address.port)
    }

    @Test func grpcCallsCrossAStrictHopMultiplexedOnOneMTLSConnection() async throws {
        let authority = try MeshTLSTests.Authority()
        defer { authority.remove() }
        let servers = try GRPCProxyTests.servers(["a"])
        defer { servers.forEach { $0.stop() } }
        let hop = try await hop(authority, endpoint: "127.0.0.1:\(servers[0].readyValue)", callerProtocol: .grpc,
                                calleeProtocol: .grpc)
        let run = try ExternalCommand.python(GRPCScripts.many, ["\(hop.callerPort)", "20"])
        #expect(run.stdout.hasPrefix("ok 20 failed 0"), "\(run.stdout)\(run.stderr)")
        let stats = try await offPool { try RawClient(port: hop.callerAdmin).request("GET", "/stats").text }
        #expect(stats.contains("\"openConnections\" : 1"), "20 calls, one h2 connection to the callee: \(stats)")

        // What a peer sees of the callee: TLS 1.3 with ALPN h2 when asked for it; plaintext h2 refused (strict).
        let client = try authority.identity("debug")
        let folder = authority.folder
        let handshake = try MeshTLSTests.shell("echo | openssl s_client -connect 127.0.0.1:\(hop.calleePort) -tls1_3 -alpn h2 "
            + "-cert \(client.certificate) -key \(client.key) -CAfile \(folder)/bundle.pem 2>&1")
        #expect(handshake.contains("ALPN protocol: h2"), "\(handshake)")
        let plaintext = try ExternalCommand.run(
            "/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--http2-prior-knowledge", "-m", "5",
                              "http://127.0.0.1:\(hop.calleePort)/"])
        #expect(plaintext.stdout == "000", "\(plaintext.stdout)")
        await hop.stop()
    }

    @Test func http2ClientsCrossAStrictHopToAnHTTP11Workload() async throws {
        let authority = try MeshTLSTests.Authority()
        defer { authority.remove() }
        let backend = try await TestBackend { request, _ in TestBackend.ok("web got \(request.requestLine)\n") }
        let hop = try await hop(authority, endpoint: backend.address, callerProtocol: .http2, calleeProtocol: .http)
        // curl for one request (Debian's curl 7.88 fails a second transfer on a reused h2c connection, whoever the
        // server), python3-h2 for three on one connection.
        let curl = try ExternalCommand.run(
            "/usr/bin/curl", ["-sS", "--http2-prior-knowledge", "-w", "%{http_version}", "http://127.0.0.1:\(hop.callerPort)/one"])
        #expect(curl.stdout == "web got GET /one HTTP/1.1\n2", "\(curl.stdout)\(curl.stderr)")
        let run = try ExternalCommand.python(H2Scripts.sequentialRequests, ["\(hop.callerPort)", "3", "/three"])
        #expect(run.stdout == String(repeating: "web got GET /three HTTP/1.1\n", count: 3) + "streams 3\n",
                "\(run.stdout)\(run.stderr)")
        #expect(backend.requests.count == 4)
        let stats = try await offPool { try RawClient(port: hop.callerAdmin).request("GET", "/stats").text }
        #expect(stats.contains("\"openConnections\" : 1"), "\(stats)")
        await hop.stop()
        await backend.stop()
    }
}
