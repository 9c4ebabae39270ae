import Foundation
import Manifests
import SidecarConfig
import Testing

@testable import Reconciler

/// Rate limits and FaultInjections in the compiled configurations: in every proxy (the gateway and each sidecar),
/// and a mesh without them keeps its configuration versions.
@Suite("traffic management compiled")
struct TrafficManagementCompileTests {
    private var inputs: MeshInputs {
        let command = Service.Workload.command(Service.Command(argv: ["meshctl", "demo-app"], replicas: 1))
        return MeshInputs(
            services: [Service(metadata: ObjectMeta(name: "web"), spec: Service.Spec(
                port: 9080, workload: command, rateLimit: Service.RateLimit(requestsPerSecond: 20, burst: 5)))],
            meshctlPath: "/bin/meshctl", configsDirectory: "/state/configs", gatewayPort: 8000)
    }

    @Test func aFaultReachesEveryProxyAndARateLimitEveryServiceEntry() throws {
        var book = PortBook()
        var input = inputs
        let before = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        input.faultInjections = [FaultInjection(metadata: ObjectMeta(name: "chaos"), spec: .init(
            service: "web", match: HTTPRouteGroup.Match(name: "", headers: ["x-chaos": "1"]),
            abort: .init(httpStatus: 503, percentage: 10),
            expiresAt: Date(timeIntervalSince1970: 2_000_000_000)))]
        let faulted = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        #expect(faulted.configurations.count == 2)
        for (slot, config) in faulted.configurations {
            #expect(config.faults == [FaultConfig(
                name: "faultinjection/chaos", service: "web",
                match: RouteMatch(name: "match", headers: ["x-chaos": "1"]),
                abort: .init(httpStatus: 503, percentage: 10))], "\(slot)")
            #expect(config.service(named: "web")?.rateLimit == RateLimitConfig(requestsPerSecond: 20, burst: 5))
            #expect(config.version != before.configurations[slot]?.version)
            try config.validate()
        }
        // The sidecar's own entry for its workload carries the limit its inbound listener enforces.
        let sidecar = try #require(faulted.configurations.values.first { $0.listeners.contains { $0.kind == .inbound } })
        #expect(sidecar.service(named: "local:web")?.rateLimit == RateLimitConfig(requestsPerSecond: 20, burst: 5))
        // A fault is a configuration change, never a restart.
        #expect(faulted.processes.map(\.revision) == before.processes.map(\.revision))
        input.faultInjections = []
        let cleared = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        #expect(cleared.configurations.mapValues(\.version) == before.configurations.mapValues(\.version))
    }
}
