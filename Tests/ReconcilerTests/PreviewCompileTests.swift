import Manifests
import SidecarConfig
import Testing

@testable import Reconciler

/// Blue-green's preview in the compiled configs: a pinned route in the root's split, in the gateway and every sidecar.
@Suite("preview routing compiled")
struct PreviewCompileTests {
    private func service(_ name: String, port: Int, argv: [String]? = ["meshctl", "demo-app"]) -> Service {
        let workload: Service.Workload = argv.map { .command(Service.Command(argv: $0, replicas: 1)) } ?? .none
        return Service(metadata: ObjectMeta(name: name), spec: Service.Spec(port: port, workload: workload))
    }

    private func spec(_ preview: Rollout.Preview) -> Rollout.Spec {
        Rollout.Spec(trafficSplit: "shop", strategy: .blueGreen(Rollout.BlueGreen(
            activeService: "shop-blue", previewService: "shop-green", preview: preview)))
    }

    private var inputs: MeshInputs {
        MeshInputs(
            services: [service("shop", port: 9080, argv: nil), service("shop-blue", port: 9081),
                       service("shop-green", port: 9082)],
            splits: [TrafficSplit(metadata: ObjectMeta(name: "shop"), spec: TrafficSplit.Spec(
                service: "shop", backends: [.init(service: "shop-blue", weight: 100),
                                            .init(service: "shop-green", weight: 0)]))],
            meshctlPath: "/bin/meshctl", configsDirectory: "/state/configs", gatewayPort: 8000)
    }

    @Test func theHeaderPreviewIsAPinnedRouteInEveryProxysSplitAndGoesAwayWithTheFlag() throws {
        let route = try #require(PreviewRouting.pinnedRoute(for: spec(.header(name: "X-Mesh-Preview", value: "1"))))
        #expect(route.service == "shop-green")
        #expect(route.match.headers == ["x-mesh-preview": "1"])
        var book = PortBook()
        var input = inputs
        let before = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        input.pinnedRoutes = ["shop": [route]]
        let previewing = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        #expect(previewing.configurations.count == 3)
        for (slot, config) in previewing.configurations {
            let split = try #require(config.splits.first { $0.rootService == "shop" })
            #expect(split.pinnedRoutes == [route], "\(slot)")
            #expect(split.backends.map(\.weight) == [100, 0])
            // A new config version for every proxy: the rollout waits for each to confirm it.
            #expect(config.version != before.configurations[slot]?.version)
            try config.validate()
        }
        // The same processes: a preview is a config change, never a restart.
        #expect(previewing.processes.map(\.revision) == before.processes.map(\.revision))
        #expect(before.configurations.values.allSatisfy { $0.splits.allSatisfy(\.pinnedRoutes.isEmpty) })
    }

    @Test func headerValuesAreMatchedLiterally() throws {
        let route = try #require(PreviewRouting.pinnedRoute(for: spec(.header(name: "x-env", value: "a.b+c"))))
        let pattern = try #require(route.match.headers["x-env"])
        #expect(try Regex(pattern).wholeMatch(in: "a.b+c") != nil)
        #expect(try Regex(pattern).wholeMatch(in: "aXbbc") == nil)
    }

    @Test func aPreviewPortIsAGatewayListenerToThePreviewService() throws {
        #expect(PreviewRouting.pinnedRoute(for: spec(.port(9099))) == nil)
        let rollout = Rollout(metadata: ObjectMeta(name: "shop"), spec: spec(.port(9099)))
        let base = inputs
        var objects: [ManifestObject] = base.services.map { .service($0) } + base.splits.map { .trafficSplit($0) }
        objects.append(.rollout(rollout))
        let input = MeshInputs(objects: objects, meshctlPath: "/bin/meshctl", configsDirectory: "/c", gatewayPort: 8000)
        #expect(input.previewPorts == [9099: "shop-green"])
        var book = PortBook()
        let world = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        let gateway = try #require(world.configurations[GatewayPlan.slot])
        let listener = try #require(gateway.listeners.first { $0.address == "127.0.0.1:9099" })
        #expect(listener.kind == .outbound && listener.service == "shop-green")
        try gateway.validate()
        // Listeners change in the running gateway: the preview port is not part of its revision.
        var plain = MeshInputs(objects: Array(objects.dropLast()), meshctlPath: "/bin/meshctl", configsDirectory: "/c",
                               gatewayPort: 8000)
        plain.weightOverrides = [:]
        let without = MeshCompiler.compile(plain, ports: &book, isFree: { _ in true })
        #expect(without.processes.last?.revision == world.processes.last?.revision)
        #expect(without.configurations[GatewayPlan.slot]?.listeners.contains { $0.address == "127.0.0.1:9099" } == false)
    }
}
