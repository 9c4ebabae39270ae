import Foundation
import Sidecar
import SidecarConfig
import Testing

/// Blue-green's preview in the data plane: a pinned route of a split reaches a backend the weights give nothing.
@Suite("Proxy pinned routes (blue-green preview)", .serialized)
struct ProxyPinnedRouteTests {
    static func previewConfig(blue: String, green: String) -> SidecarConfiguration {
        ProxyHarness.config(
            services: [
                ServiceConfig(name: "shop", endpoints: []),
                ServiceConfig(name: "shop-blue", endpoints: [blue]),
                ServiceConfig(name: "shop-green", endpoints: [green]),
            ],
            splits: [TrafficSplitConfig(
                name: "shop", rootService: "shop",
                backends: [.init(service: "shop-blue", weight: 100), .init(service: "shop-green", weight: 0)],
                pinnedRoutes: [PinnedRoute(match: RouteMatch(name: "preview", headers: ["x-mesh-preview": "1"]),
                                           service: "shop-green")])])
    }

    @Test("with the preview header a request reaches the weight-0 backend; without it, or with another value, the active one")
    func previewHeader() async throws {
        let blue = try await TestBackend { _, _ in TestBackend.ok("blue") }
        let green = try await TestBackend { _, _ in TestBackend.ok("green") }
        let proxy = try await ProxyHarness(Self.previewConfig(blue: blue.address, green: green.address))
        let answers = try await offPool {
            try (0..<5).flatMap { _ in
                [
                    try proxy.get("/").text,
                    try proxy.get("/", headers: ["X-Mesh-Preview: 1"]).text,
                    try proxy.get("/", headers: ["x-mesh-preview: 2"]).text,
                ]
            }
        }
        #expect(answers == Array(repeating: ["blue", "green", "blue"], count: 5).flatMap { $0 })
        await proxy.stop()
        await blue.stop()
        await green.stop()
    }

    @Test("a pinned route to a service that is not a backend of the split is refused, and the field round-trips")
    func validation() throws {
        var config = Self.previewConfig(blue: "127.0.0.1:1", green: "127.0.0.1:2")
        let again = try SidecarConfiguration.decode(json: config.encodedJSON())
        #expect(again == config)
        config.splits[0].pinnedRoutes[0].service = "shop"
        do {
            try config.validate()
            Issue.record("expected a validation failure")
        } catch {
            #expect(error.problems.map(\.path).contains("splits[0].pinnedRoutes[0].service"))
        }
    }

    @Test("a split without pinned routes encodes exactly as before the field existed")
    func absentWhenUnused() throws {
        let split = TrafficSplitConfig(name: "s", rootService: "a", backends: [.init(service: "b", weight: 1)])
        let json = String(decoding: try JSONEncoder().encode(split), as: UTF8.self)
        #expect(!json.contains("pinnedRoutes"))
    }
}
