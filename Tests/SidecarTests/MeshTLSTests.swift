import Foundation
import MeshIdentity
import Sidecar
import SidecarConfig
import Testing

/// mTLS between two real proxies on 127.0.0.1: a caller's sidecar (outbound, `mtls` service) and a callee's
/// sidecar (inbound, in front of a plaintext backend). docs/identity.md.
@Suite("mTLS between sidecars", .serialized)
struct MeshTLSTests {
    /// A CA in a temporary folder, and identities it issues (key made here, as a sidecar makes its own).
    struct Authority {
        let folder: String
        let ca: CertificateAuthority

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("mtls-\(UUID().uuidString)").path
            ca = try CertificateAuthority.loadOrCreate(AnchorFiles(directory: folder), trustDomain: "meshctl.local")
        }

        /// An identity as PEMs (also written to files, for openssl).
        func identity(_ service: String, now: Date = Date(), lifetime: TimeInterval = 3600) throws
            -> (tls: MeshTLS, certificate: String, key: String)
        {
            let key = WorkloadKey()
            let issued = try ca.issue(csrPEM: try key.signingRequestPEM(service: service), service: service,
                                      now: now, lifetime: lifetime)
            let tls = MeshTLS()
            try tls.install(certificatePEM: issued.certificatePEM, keyPEM: key.pem, trustBundlePEM: issued.trustBundlePEM)
            let certificatePath = "\(folder)/\(service)-\(UUID().uuidString).pem"
            try issued.certificatePEM.write(toFile: certificatePath, atomically: true, encoding: .utf8)
            try key.pem.write(toFile: certificatePath + ".key", atomically: true, encoding: .utf8)
            try ca.trustBundlePEM.write(toFile: folder + "/bundle.pem", atomically: true, encoding: .utf8)
            return (tls, certificatePath, certificatePath + ".key")
        }

        func remove() { try? FileManager.default.removeItem(atPath: folder) }
    }

    /// The callee's sidecar: inbound (identity `web`) → the backend, plaintext.
    private func callee(_ tls: MeshTLS, backend: TestBackend, mode: MTLSMode? = nil,
                        policies: [AuthorizationPolicyConfig]? = nil, admin: Bool = false,
                        accessLog: String? = nil) async throws -> (ProxyServer, Int) {
        var config = SidecarConfiguration(
            version: "callee",
            listeners: [Listener(name: "inbound", kind: .inbound, address: "127.0.0.1:0", service: "local:web", mtls: mode,
                                 authorization: policies)],
            services: [ServiceConfig(name: "local:web", endpoints: [backend.address])])
        config.accessLog = accessLog.map { AccessLogConfig(path: $0) }
        let server = ProxyServer(configuration: config, options: .init(
            admin: admin ? HostPort(host: "127.0.0.1", port: 0) : nil, meshTLS: tls))
        let port = try await server.start().first { $0.name == "inbound" }!.address.port
        return (server, port)
    }

    /// The caller's sidecar: an outbound port for `web`, whose endpoint is the callee's inbound port, over mTLS.
    private func caller(_ tls: MeshTLS?, calleePort: Int) async throws -> (ProxyServer, Int) {
        var web = ServiceConfig(name: "web", endpoints: ["127.0.0.1:\(calleePort)"])
        web.mtls = true
        let config = SidecarConfiguration(
            version: "caller",
            listeners: [Listener(name: "outbound", kind: .outbound, address: "127.0.0.1:0", service: "web")],
            services: [web], defaultRequestTimeout: .seconds(5))
        let server = ProxyServer(configuration: config, options: .init(meshTLS: tls))
        let port = try await server.start().first { $0.name == "outbound" }!.address.port
        return (server, port)
    }

    @Test("sidecar to sidecar is mTLS 1.3 with the callee's SPIFFE ID; a strict callee refuses plaintext")
    func mutualTLSAndStrict() async throws {
        let authority = try Authority()
        defer { authority.remove() }
        let backend = try await TestBackend { _, _ in TestBackend.ok("from web") }
        let web = try authority.identity("web")
        let (calleeProxy, calleePort) = try await callee(web.tls, backend: backend, mode: .strict)
        let (callerProxy, callerPort) = try await caller(try authority.identity("frontend").tls, calleePort: calleePort)

        let through = try await offPool { try RawClient(port: callerPort).request("GET", "/").text }
        #expect(through == "from web")
        // A plaintext client straight to the strict inbound port: closed, nothing forwarded.
        let plaintext = try await offPool { try? RawClient(port: calleePort).request("GET", "/") }
        #expect(plaintext == nil)
        #expect(backend.requests.count == 1)

        // openssl, as a user would check: TLS 1.3, and the callee's certificate names spiffe://…/sa/web.
        let client = try authority.identity("debug")
        let folder = authority.folder
        let output = try Self.shell("echo | openssl s_client -connect 127.0.0.1:\(calleePort) -tls1_3 "
            + "-cert \(client.certificate) -key \(client.key) -CAfile \(folder)/bundle.pem > \(folder)/s_client.txt 2>&1; "
            + "openssl x509 -noout -ext subjectAltName < \(folder)/s_client.txt; cat \(folder)/s_client.txt")
        #expect(output.contains("URI:spiffe://meshctl.local/ns/default/sa/web"), "\(output)")
        #expect(output.contains("TLSv1.3"), "\(output)")
        #expect(output.contains("Verify return code: 0 (ok)"), "\(output)")

        await callerProxy.drain(timeout: .seconds(2))
        await calleeProxy.drain(timeout: .seconds(2))
        await backend.stop()
    }

    @Test("a permissive callee serves plaintext too (non-mesh local clients keep working)")
    func permissiveAcceptsBoth() async throws {
        let authority = try Authority()
        defer { authority.remove() }
        let backend = try await TestBackend { _, _ in TestBackend.ok("from web") }
        let (calleeProxy, calleePort) = try await callee(try authority.identity("web").tls, backend: backend)
        let (callerProxy, callerPort) = try await caller(try authority.identity("frontend").tls, calleePort: calleePort)
        let (viaMesh, direct) = try await offPool {
            (try RawClient(port: callerPort).request("GET", "/").text, try RawClient(port: calleePort).request("GET", "/").text)
        }
        #expect(viaMesh == "from web" && direct == "from web")
        await callerProxy.drain(timeout: .seconds(2))
        await calleeProxy.drain(timeout: .seconds(2))
        await backend.stop()
    }

    @Test("refused: a caller with a certificate from another anchor, an expired one, or a callee with another identity")
    func untrustedPeersRefused() async throws {
        let authority = try Authority()
        let stranger = try Authority()  // another anchor
        defer { authority.remove(); stranger.remove() }
        let backend = try await TestBackend { _, _ in TestBackend.ok("from web") }
        let (calleeProxy, calleePort) = try await callee(try authority.identity("web").tls, backend: backend, mode: .strict)
        let longAgo = Date().addingTimeInterval(-2 * 24 * 3600)
        let callers = [
            try authority.identity("frontend", now: longAgo, lifetime: 3600).tls,  // expired a day ago
        ]
        // The stranger's caller trusts only its own anchor, so give it ours to trust: only its certificate is foreign.
        let foreignKey = WorkloadKey()
        let foreign = try stranger.ca.issue(csrPEM: try foreignKey.signingRequestPEM(service: "frontend"), service: "frontend")
        let foreignTLS = MeshTLS()
        try foreignTLS.install(certificatePEM: foreign.certificatePEM, keyPEM: foreignKey.pem,
                               trustBundlePEM: authority.ca.trustBundlePEM)
        for tls in callers + [foreignTLS] {
            let (callerProxy, callerPort) = try await caller(tls, calleePort: calleePort)
            let answer = try await offPool { try RawClient(port: callerPort).request("GET", "/") }
            #expect(answer.status >= 500, "\(answer.head)")
            await callerProxy.drain(timeout: .seconds(2))
        }
        #expect(backend.requests.isEmpty)

        // A callee presenting another service's identity: the caller expects `web` and will not send to `api`.
        let (impostor, impostorPort) = try await callee(try authority.identity("api").tls, backend: backend)
        let (callerProxy, callerPort) = try await caller(try authority.identity("frontend").tls, calleePort: impostorPort)
        let answer = try await offPool { try RawClient(port: callerPort).request("GET", "/") }
        #expect(answer.status >= 500, "\(answer.head)")
        #expect(backend.requests.isEmpty)
        await callerProxy.drain(timeout: .seconds(2))
        await impostor.drain(timeout: .seconds(2))
        await calleeProxy.drain(timeout: .seconds(2))
        await backend.stop()
    }

    @Test("AuthorizationPolicy: a peer with another service's identity gets 403 forbidden, counted; the allowed one passes")
    func policyDeniesOtherIdentity() async throws {
        let authority = try Authority()
        defer { authority.remove() }
        let backend = try await TestBackend { _, _ in TestBackend.ok("from web") }
        let onlyFrontend = AuthorizationPolicyConfig(name: "web-callers", action: .allow, rules: [.init(from: ["frontend"])])
        let log = authority.folder + "/callee.access.log"
        let (calleeProxy, calleePort) = try await callee(
            try authority.identity("web").tls, backend: backend, policies: [onlyFrontend], admin: true, accessLog: log)
        let (frontend, frontendPort) = try await caller(try authority.identity("frontend").tls, calleePort: calleePort)
        let (api, apiPort) = try await caller(try authority.identity("api").tls, calleePort: calleePort)
        let (allowed, denied, plaintext) = try await offPool {
            (try RawClient(port: frontendPort).request("GET", "/"), try RawClient(port: apiPort).request("GET", "/orders"),
             try RawClient(port: calleePort).request("GET", "/"))
        }
        #expect(allowed.status == 200 && allowed.text == "from web")
        #expect(denied.status == 403)
        #expect(denied.header("x-mesh-reason") == "forbidden")
        #expect(denied.text.contains("spiffe://meshctl.local/ns/default/sa/api"), "\(denied.text)")
        #expect(plaintext.status == 403)  // no identity at all: not frontend either
        #expect(backend.requests.count == 1)
        let adminPort = calleeProxy.boundAddresses.first { $0.kind == "admin" }!.address.port
        let metrics = try await offPool { try RawClient(port: adminPort).request("GET", "/metrics").text }
        #expect(metrics.contains(#"mesh_local_responses_total{service="local:web",reason="forbidden"} 2"#), "\(metrics)")
        await frontend.drain(timeout: .seconds(2))
        await api.drain(timeout: .seconds(2))
        await calleeProxy.drain(timeout: .seconds(2))
        // The callee's access log names each mTLS caller by its verified identity; the plaintext line has no peer.
        let lines = (try String(contentsOfFile: log, encoding: .utf8)).split(separator: "\n")
        #expect(lines.count == 3, "\(lines)")
        #expect(lines.contains { $0.contains(#""status":200"#) && $0.contains(#""peer":"spiffe://meshctl.local/ns/default/sa/frontend""#) })
        #expect(lines.contains { $0.contains(#""status":403"#) && $0.contains(#""peer":"spiffe://meshctl.local/ns/default/sa/api""#) })
        #expect(lines.filter { !$0.contains(#""peer""#) }.count == 1)
        await backend.stop()
    }

    static func shell(_ script: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
