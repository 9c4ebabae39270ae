#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Sidecar
import SidecarConfig
import Testing

/// `PATCH /config` with services, against a real proxy: a registration, an expiry and a new Service reach it as
/// one service each, traffic follows at once, requests in flight finish, and the endpoints that left take their
/// metric series with them, exactly as with `PUT /config`.
@Suite("PATCH /config: services by name", .serialized)
struct ProxyServicesPatchTests {
    private func body(_ patch: SidecarConfigPatch) -> String {
        String(decoding: try! JSONEncoder().encode(patch), as: UTF8.self)
    }

    private func config(_ version: String, svc: [String], other: [String]) -> SidecarConfiguration {
        ProxyHarness.config(version: version, services: [ServiceConfig(name: "svc", endpoints: svc, loadBalancer: .roundRobin),
                                                         ServiceConfig(name: "other", endpoints: other)])
    }

    private func metric(_ series: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    @Test("a registration then an expiry: traffic follows, GET /config is the whole new document, series leave")
    func registrationThenExpiry() async throws {
        let a = try await TestBackend { _, _ in TestBackend.ok("a") }
        let b = try await TestBackend { _, _ in TestBackend.ok("b") }
        let v1 = config("v1", svc: [a.address], other: [a.address])
        let proxy = try await ProxyHarness(v1)
        #expect(try await offPool { try proxy.get().text } == "a")

        // Registered: b joins svc.
        let v2 = config("v2", svc: [a.address, b.address], other: [a.address])
        let registration = try #require(SidecarConfigPatch.between(v1, v2))
        #expect(registration.services?.map(\.name) == ["svc"])
        let registered = try await offPool { try proxy.admin("PATCH", "/config", body: body(registration)) }
        #expect(registered.status == 200, "\(registered.text)")
        let seen = try await offPool { Set(try (0..<20).map { _ in try proxy.get().text }) }
        #expect(seen == ["a", "b"])

        // Expired: a leaves svc (it stays in other).
        let v3 = config("v3", svc: [b.address], other: [a.address])
        let expiry = try #require(SidecarConfigPatch.between(v2, v3))
        let expired = try await offPool { try proxy.admin("PATCH", "/config", body: body(expiry)) }
        #expect(expired.status == 200, "\(expired.text)")
        let after = try await offPool { try (0..<6).map { _ in try proxy.get().text } }
        #expect(after == Array(repeating: "b", count: 6))

        let (running, metrics) = try await offPool { (try proxy.admin("GET", "/config"), try proxy.admin("GET", "/metrics").text) }
        #expect(try SidecarConfiguration.decode(json: Data(running.body)) == v3)
        #expect(metric(#"mesh_config_changes_total{how="patch"}"#, in: metrics) == 2, "\(metrics)")
        #expect(metric(#"mesh_config_changes_total{how="whole"}"#, in: metrics) == nil)
        // svc's series for a left with it; b's stay.
        #expect(!metrics.contains(#"service="svc",backend="\#(a.address)""#), "\(metrics)")
        #expect(metrics.contains(#"service="svc",backend="\#(b.address)""#), "\(metrics)")
        await proxy.stop()
        await a.stop()
        await b.stop()
    }

    @Test("a request in flight to an endpoint a patch removes is answered by it; the next ones go elsewhere")
    func inFlightFinishes() async throws {
        let slow = try await TestBackend { _, _ in .delayed(milliseconds: 600, TestBackend.ok("slow")) }
        let fast = try await TestBackend { _, _ in TestBackend.ok("fast") }
        let v1 = config("v1", svc: [slow.address], other: [fast.address])
        let proxy = try await ProxyHarness(v1)
        let inFlight = Task { try await offPool { try proxy.get() } }
        // Until the slow backend has the request.
        for _ in 0..<100 where slow.requests.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        #expect(slow.requests.count == 1)
        let v2 = config("v2", svc: [fast.address], other: [fast.address])
        let patch = try #require(SidecarConfigPatch.between(v1, v2))
        let patched = try await offPool { try proxy.admin("PATCH", "/config", body: body(patch)) }
        #expect(patched.status == 200)
        #expect(try await offPool { try proxy.get().text } == "fast")
        let answer = try await inFlight.value
        #expect(answer.status == 200 && answer.text == "slow")
        await proxy.stop()
        await slow.stop()
        await fast.stop()
    }

    /// `GET /config/version`'s version and `appliedAt` (Unix seconds).
    private func served(_ proxy: ProxyHarness) async throws -> (version: String, appliedAt: Double) {
        struct Served: Decodable { var version: String; var appliedAt: Double }
        let answer = try await offPool { try proxy.admin("GET", "/config/version") }
        let served = try JSONDecoder().decode(Served.self, from: Data(answer.body))
        return (served.version, served.appliedAt)
    }

    private var wallClock: Double { Date().timeIntervalSince1970 }

    @Test("GET /config/version says since when the running version is served: moved by a patch and a PUT, not by a refused patch")
    func appliedAt() async throws {
        let a = try await TestBackend { _, _ in TestBackend.ok("a") }
        let b = try await TestBackend { _, _ in TestBackend.ok("b") }
        let v1 = config("v1", svc: [a.address], other: [a.address])
        let proxy = try await ProxyHarness(v1)
        let started = try await served(proxy)
        #expect(started.version == "v1")

        let v2 = config("v2", svc: [a.address, b.address], other: [a.address])
        let beforePatch = wallClock
        let patched = try await offPool {
            try proxy.admin("PATCH", "/config", body: self.body(try #require(SidecarConfigPatch.between(v1, v2))))
        }
        let afterPatch = wallClock
        #expect(patched.status == 200, "\(patched.text)")
        let registered = try await served(proxy)
        #expect(registered.version == "v2")
        // Microseconds in the answer: the stamp may read up to 1 µs before the test's clock did.
        #expect(registered.appliedAt >= beforePatch - 1e-6 && registered.appliedAt <= afterPatch,
                "\(beforePatch) <= \(registered.appliedAt) <= \(afterPatch)")

        // A patch on a base the proxy does not run is refused: neither the version nor its time moves.
        let stale = try await offPool {
            try proxy.admin("PATCH", "/config", body: self.body(try #require(SidecarConfigPatch.between(v1, v2))))
        }
        #expect(stale.status == 409)
        let unmoved = try await served(proxy)
        #expect(unmoved.version == "v2" && unmoved.appliedAt == registered.appliedAt)

        let v3 = config("v3", svc: [b.address], other: [b.address])
        let beforePut = wallClock
        let put = try await offPool { try proxy.admin("PUT", "/config", body: String(decoding: v3.encodedJSON(), as: UTF8.self)) }
        let afterPut = wallClock
        #expect(put.status == 200, "\(put.text)")
        let replaced = try await served(proxy)
        #expect(replaced.version == "v3")
        #expect(replaced.appliedAt >= beforePut - 1e-6 && replaced.appliedAt <= afterPut,
                "\(beforePut) <= \(replaced.appliedAt) <= \(afterPut)")
        #expect(try await offPool { try proxy.get().text } == "b")
        await proxy.stop()
        await a.stop()
        await b.stop()
    }

    @Test("a bad services patch: 400 with every problem at once, nothing applied")
    func refused() async throws {
        let a = try await TestBackend { _, _ in TestBackend.ok("a") }
        let v1 = config("v1", svc: [a.address], other: [a.address])
        let proxy = try await ProxyHarness(v1)
        let bad = SidecarConfigPatch(base: "v1", version: "v2", services: [ServiceConfig(name: "svc", endpoints: ["nowhere"])],
                                     removedServices: ["svc", "ghost"])
        let refused = try await offPool { try proxy.admin("PATCH", "/config", body: body(bad)) }
        #expect(refused.status == 400)
        for expected in ["services[0].endpoints[0]", "removedServices[0]", "\\\"svc\\\" is also in services",
                         "removedServices[1]", "no service \\\"ghost\\\" in version v1"] {
            #expect(refused.text.contains(expected), "\(expected) in \(refused.text)")
        }
        let (running, still) = try await offPool { (try proxy.admin("GET", "/config"), try proxy.get().text) }
        #expect(try SidecarConfiguration.decode(json: Data(running.body)) == v1)
        #expect(still == "a")
        await proxy.stop()
        await a.stop()
    }
}
