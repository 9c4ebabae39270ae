#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Sidecar
import SidecarConfig
import Testing

@Suite("PATCH /config: the mesh tables on top of a known version", .serialized)
struct ProxyConfigPatchTests {
    private func body(_ patch: SidecarConfigPatch) -> String {
        String(decoding: try! JSONEncoder().encode(patch), as: UTF8.self)
    }

    private func split(a: Int, b: Int) -> [TrafficSplitConfig] {
        [TrafficSplitConfig(name: "root", rootService: "root", backends: [.init(service: "a", weight: a), .init(service: "b", weight: b)])]
    }

    @Test("a patch moves the weights at once; a stale base is refused with 409, a bad split with 400, and traffic stays put")
    func patchWeights() async throws {
        let a = try await TestBackend { _, _ in TestBackend.ok("a") }
        let b = try await TestBackend { _, _ in TestBackend.ok("b") }
        let proxy = try await ProxyHarness(ProxyHarness.config(
            version: "v1",
            services: [ServiceConfig(name: "root", endpoints: [a.address]), ServiceConfig(name: "a", endpoints: [a.address]),
                       ServiceConfig(name: "b", endpoints: [b.address])],
            splits: split(a: 100, b: 0)))
        let before = try await offPool { try (0..<4).map { _ in try proxy.get().text } }
        #expect(before == ["a", "a", "a", "a"])

        let patched = try await offPool { try proxy.admin("PATCH", "/config", body: body(.init(base: "v1", version: "v2", splits: split(a: 0, b: 100)))) }
        #expect(patched.status == 200)
        #expect(patched.text.contains("\"v2\""))
        let after = try await offPool { try (0..<4).map { _ in try proxy.get().text } }
        #expect(after == ["b", "b", "b", "b"])

        let stale = try await offPool { try proxy.admin("PATCH", "/config", body: body(.init(base: "v1", version: "v3", splits: split(a: 100, b: 0)))) }
        #expect(stale.status == 409)
        #expect(stale.text.contains("runs version v2"))
        let bad = try await offPool { try proxy.admin("PATCH", "/config", body: body(.init(base: "v2", version: "v4", splits: split(a: 0, b: 0)))) }
        #expect(bad.status == 400)
        #expect(bad.text.contains("splits[0]"))

        let (config, still) = try await offPool { (try proxy.admin("GET", "/config"), try proxy.get().text) }
        let running = try SidecarConfiguration.decode(json: Data(config.body))
        #expect(running.version == "v2")
        #expect(running.services.map(\.name) == ["root", "a", "b"])
        #expect(still == "b")
        await proxy.stop()
        await a.stop()
        await b.stop()
    }

    @Test("a patched split naming an undefined service degrades its root alone; a retry-policy patch takes effect")
    func patchDegradesAndRetries() async throws {
        let a = try await TestBackend { _, count in count == 1 ? TestBackend.ok("busy", status: 503) : TestBackend.ok("a") }
        let proxy = try await ProxyHarness(ProxyHarness.config(
            version: "v1",
            services: [ServiceConfig(name: "root", endpoints: [a.address]), ServiceConfig(name: "a", endpoints: [a.address]),
                       ServiceConfig(name: "b", endpoints: [a.address])],
            splits: split(a: 100, b: 0)))
        let withPolicy = SidecarConfigPatch(
            base: "v1", version: "v2", retryPolicies: [RetryPolicyConfig(name: "root-retries", service: "root", attempts: 2)])
        let retried = try await offPool { () throws -> (Int, String) in
            #expect(try proxy.admin("PATCH", "/config", body: body(withPolicy)).status == 200)
            let reply = try proxy.get()
            return (reply.status, reply.text)
        }
        #expect(retried.0 == 200)
        #expect(retried.1 == "a")

        let unknown = [TrafficSplitConfig(name: "root", rootService: "root", backends: [.init(service: "c", weight: 100)])]
        let (patched, reply, config) = try await offPool {
            (try proxy.admin("PATCH", "/config", body: body(.init(base: "v2", version: "v3", splits: unknown))),
             try proxy.get(), try proxy.admin("GET", "/config"))
        }
        #expect(patched.status == 200)
        #expect(reply.status == 503)
        #expect(config.text.contains("\"degraded\""))
        await proxy.stop()
        await a.stop()
    }

    @Test("between: version, splits, retry policies and services may differ; listeners need the whole configuration")
    func between() {
        let old = ProxyHarness.config(version: "v1", services: [ServiceConfig(name: "a", endpoints: ["127.0.0.1:1"])], splits: split(a: 1, b: 0))
        var weights = old
        weights.version = "v2"
        weights.splits = split(a: 0, b: 1)
        let patch = SidecarConfigPatch.between(old, weights)
        #expect(patch == SidecarConfigPatch(base: "v1", version: "v2", splits: weights.splits, retryPolicies: nil))
        #expect(patch?.applied(to: old) == weights)
        var endpoints = weights
        endpoints.services[0].endpoints = ["127.0.0.1:2"]
        let services = SidecarConfigPatch.between(old, endpoints)
        #expect(services?.services == endpoints.services)
        #expect(services?.applied(to: old) == endpoints)
        var listeners = weights
        listeners.listeners[0].address = "127.0.0.1:9"
        #expect(SidecarConfigPatch.between(old, listeners) == nil)
        #expect(SidecarConfigPatch.between(old, old) == nil)
    }
}
