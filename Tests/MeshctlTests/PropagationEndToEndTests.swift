import Foundation
import OperatorAPI
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A registration and a deregistration with a real operator reach every proxy as a `PATCH /config` of the one
/// Service that changed, not the whole configuration: each proxy's `mesh_config_changes_total{how="patch"}` moves
/// and `{how="whole"}` does not, and traffic reaches the registered program through the gateway and through a
/// replica's sidecar.
@Suite("propagation of registrations end to end", .serialized)
struct PropagationEndToEndTests {
    private struct Proxy {
        var slot: String
        var admin: Int
        var outbound: Int?
    }

    private func proxies(_ harness: OperatorHarness) async throws -> [Proxy] {
        try await IdentityRenewalEndToEndTests.proxyPorts(harness).compactMap { slot, ports in
            ports["admin"].map { Proxy(slot: slot, admin: $0, outbound: ports["outbound"]) }
        }
    }

    /// `mesh_config_changes_total` of one proxy, by `how`.
    private func changes(_ proxy: Proxy) async throws -> (whole: Double, patch: Double) {
        let text = String(decoding: try await APIClient(host: "127.0.0.1", port: proxy.admin).send("GET", "/metrics").body,
                          as: UTF8.self)
        return (DashboardBrowserTests.value(#"mesh_config_changes_total{how="whole"}"#, in: text) ?? 0,
                DashboardBrowserTests.value(#"mesh_config_changes_total{how="patch"}"#, in: text) ?? 0)
    }

    private func registrations(_ harness: OperatorHarness, _ path: String, _ body: String) async throws -> Int {
        try await APIClient(socketPath: harness.stateDirectory + "/operator.sock")
            .send("POST", path, body: Array(body.utf8)).status
    }

    @Test func aRegistrationReachesEveryProxyAsAPatchOfItsService() async throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let webPort = OperatorHarness.freePort(), extPort = OperatorHarness.freePort()
        try harness.write("mesh.yaml", """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: web}
            spec:
              port: \(webPort)
              command: [meshctl, demo-app, --version, web]
            ---
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: ext}
            spec:
              port: \(extPort)
              registration: {allowed: true}

            """)
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        #expect(harness.eventually(60) { LoopbackGet.get(port: webPort)?.status == 200 }, "web serves")
        // Every proxy has taken one configuration from the operator (web's endpoint once its replica was ready):
        // from then on the operator knows what each runs, and can send it a patch.
        var proxies: [Proxy] = []
        #expect(try await harness.eventuallyAwaiting(30) {
            proxies = try await self.proxies(harness)
            guard proxies.count == 2 else { return false }
            for proxy in proxies where try await changes(proxy).whole < 1 { return false }
            return true
        }, "\(proxies)")
        let sidecarOutbound = try #require(proxies.first { $0.slot.hasPrefix("web/sidecar") }?.outbound)
        var before: [String: (whole: Double, patch: Double)] = [:]
        for proxy in proxies { before[proxy.slot] = try await changes(proxy) }

        // A stock program outside the operator registers into ext.
        let www = harness.directory + "/www"
        try FileManager.default.createDirectory(atPath: www, withIntermediateDirectories: true)
        try "outside\n".write(toFile: www + "/who.txt", atomically: true, encoding: .utf8)
        let port = OperatorHarness.freePort()
        let outside = Process()
        outside.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        outside.arguments = ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", www]
        outside.standardOutput = FileHandle.nullDevice
        outside.standardError = FileHandle.nullDevice
        try outside.run()
        defer {
            kill(outside.processIdentifier, SIGKILL)
            outside.waitUntilExit()
        }
        let address = "127.0.0.1:\(port)"
        #expect(try await registrations(harness, "/v1/registrations",
                                         #"{"service":"ext","address":"\#(address)","ttl":"60s"}"#) == 200)
        #expect(harness.eventually(10) { LoopbackGet.get(port: extPort, path: "/who.txt")?.body == "outside\n" },
                "through the gateway")
        #expect(harness.eventually(10) {
            LoopbackGet.get(port: sidecarOutbound, path: "/who.txt", host: "ext")?.body == "outside\n"
        }, "through web's sidecar")
        for proxy in proxies {
            let now = try await changes(proxy)
            #expect(now.patch > before[proxy.slot]!.patch, "\(proxy.slot) took the registration as a patch")
            #expect(now.whole == before[proxy.slot]!.whole, "\(proxy.slot) was not sent the whole configuration")
        }

        // Deregistered: a patch again, and the gateway has no endpoint for ext left.
        var patches: [Double] = []
        for proxy in proxies { patches.append(try await changes(proxy).patch) }
        #expect(try await registrations(harness, "/v1/registrations/deregister",
                                         #"{"service":"ext","address":"\#(address)"}"#) == 200)
        #expect(harness.eventually(10) { LoopbackGet.get(port: extPort, path: "/who.txt")?.status == 503 })
        for (proxy, patched) in zip(proxies, patches) {
            #expect(try await harness.eventuallyAwaiting(5) { try await changes(proxy).patch > patched }, "\(proxy.slot)")
            #expect(try await changes(proxy).whole == before[proxy.slot]!.whole)
        }
    }
}
