import Foundation
import Sidecar
import SidecarConfig
import Testing

/// Injected faults through a real proxy: caller-side listeners apply the faults of the service the caller addressed.
@Suite("Proxy fault injection (Istio delay and abort)", .serialized)
struct ProxyFaultTests {
    /// An outbound listener routing by Host (as a workload's `MESH_OUTBOUND`; the tests name it in an absolute-form
    /// target, since the test client writes its own Host), a split root `shop` over `shop-v1`,
    /// and `faults`.
    static func config(backend: String, faults: [FaultConfig]) -> SidecarConfiguration {
        var config = SidecarConfiguration(
            version: "v1",
            listeners: [Listener(name: "out", kind: .outbound, address: "127.0.0.1:0")],
            services: [
                ServiceConfig(name: "web", endpoints: [backend]),
                ServiceConfig(name: "shop", endpoints: []),
                ServiceConfig(name: "shop-v1", endpoints: [backend]),
            ],
            splits: [TrafficSplitConfig(name: "shop", rootService: "shop", backends: [.init(service: "shop-v1", weight: 1)])])
        config.faults = faults
        return config
    }

    static func chaosHeader(_ value: String = "1") -> RouteMatch { RouteMatch(name: "chaos", headers: ["x-chaos": value]) }

    @Test("an abort scoped to a header answers its status without reaching the backend; other requests pass")
    func abortByHeader() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok("web") }
        let proxy = try await ProxyHarness(Self.config(backend: backend.address, faults: [
            FaultConfig(name: "faultinjection/chaos", service: "web", match: Self.chaosHeader(),
                        abort: .init(httpStatus: 503, percentage: 100)),
        ]))
        let (aborted, plain, other) = try await offPool {
            (try proxy.get("http://web/", headers: ["X-Chaos: 1"]),
             try proxy.get("http://web/"),
             try proxy.get("http://web/", headers: ["x-chaos: 2"]))
        }
        #expect(aborted.status == 503)
        #expect(aborted.header("x-mesh-reason") == "fault-abort")
        #expect(plain.status == 200 && other.status == 200)
        #expect(backend.requests.count == 2)
        let metrics = await proxy.server.metricsText()
        #expect(metrics.contains(#"mesh_local_responses_total{service="web",reason="fault-abort"} 1"#))
        await proxy.stop()
        await backend.stop()
    }

    @Test("a delay holds the request that long before it goes up; delay and abort together: the abort after the delay")
    func delay() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok("web") }
        let proxy = try await ProxyHarness(Self.config(backend: backend.address, faults: [
            FaultConfig(name: "slow", service: "web", match: RouteMatch(name: "slow", pathRegex: "/slow"),
                        delay: .init(fixedDelay: .milliseconds(300), percentage: 100)),
            FaultConfig(name: "teapot", service: "web", match: RouteMatch(name: "teapot", pathRegex: "/teapot"),
                        delay: .init(fixedDelay: .milliseconds(200), percentage: 100),
                        abort: .init(httpStatus: 418, percentage: 100)),
        ]))
        let results = try await offPool {
            try ["/slow", "/teapot", "/fast"].map { path in
                let start = ContinuousClock.now
                let response = try proxy.get("http://web" + path)
                return (response.status, ContinuousClock.now - start)
            }
        }
        #expect(results[0].0 == 200 && results[0].1 >= .milliseconds(300))
        #expect(results[1].0 == 418 && results[1].1 >= .milliseconds(200))
        #expect(results[2].0 == 200)
        #expect(backend.requests.map(\.requestLine) == ["GET /slow HTTP/1.1", "GET /fast HTTP/1.1"])
        await proxy.stop()
        await backend.stop()
    }

    @Test("a fault on a split's root applies to what the split sends to its backends; a fault on another service does not")
    func splitRoot() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok("v1") }
        let proxy = try await ProxyHarness(Self.config(backend: backend.address, faults: [
            FaultConfig(name: "shop", service: "shop", abort: .init(httpStatus: 502, percentage: 100)),
            FaultConfig(name: "unrelated", service: "nobody", abort: .init(httpStatus: 500, percentage: 100)),
        ]))
        let statuses = try await offPool {
            [try proxy.get("http://shop/").status, try proxy.get("http://web/").status]
        }
        #expect(statuses == [502, 200])
        await proxy.stop()
        await backend.stop()
    }

    @Test("the inbound listener does not inject (the caller's proxy did), so a fault is applied once per request")
    func notInbound() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok("web") }
        var config = Self.config(backend: backend.address, faults: [
            FaultConfig(name: "f", service: "web", abort: .init(httpStatus: 503, percentage: 100)),
        ])
        config.listeners = [Listener(name: "in", kind: .inbound, address: "127.0.0.1:0", service: "web")]
        let proxy = try await ProxyHarness(config)
        #expect(try await offPool { try proxy.get("/").status } == 200)
        await proxy.stop()
        await backend.stop()
    }

    @Test("percentage 150, status 99, no delay nor abort and a bad regex are refused, each at its path")
    func validation() throws {
        var config = Self.config(backend: "127.0.0.1:1", faults: [
            FaultConfig(name: "a", service: "web", abort: .init(httpStatus: 99, percentage: 150)),
            FaultConfig(name: "b", service: "web"),
            FaultConfig(name: "c", service: "web", match: RouteMatch(name: "m", pathRegex: "(")),
        ])
        config.faults[2].delay = .init(fixedDelay: .milliseconds(5), percentage: 1)
        do {
            try config.validate()
            Issue.record("expected a validation failure")
        } catch {
            #expect(error.problems.map(\.path) == [
                "faults[0].abort.percentage", "faults[0].abort.httpStatus", "faults[1]", "faults[2].match.pathRegex",
            ])
        }
        config.faults = []
        #expect(!String(decoding: config.encodedJSON(), as: UTF8.self).contains("faults"))
        config.faults = [FaultConfig(name: "d", service: "web", delay: .init(fixedDelay: .seconds(1), percentage: 12.5))]
        #expect(try SidecarConfiguration.decode(json: config.encodedJSON()) == config)
    }
}
