import Foundation
import Manifests
import SidecarConfig
import Testing

@testable import Reconciler

/// AuthorizationPolicies and `spec.mtls` in the compiled configurations: on the inbound listener of the target
/// Service's sidecars only, so only those proxies get a new version (a hot push, no restart).
@Suite("authorization compiled")
struct AuthorizationCompileTests {
    private static func service(_ name: String, port: Int, mtls: Service.MTLS? = nil) -> Service {
        Service(metadata: ObjectMeta(name: name), spec: Service.Spec(
            port: port, workload: .command(Service.Command(argv: ["meshctl", "demo-app"])), mtls: mtls))
    }

    private static func inputs(identity: Bool = true) -> MeshInputs {
        var inputs = MeshInputs(
            services: [service("api", port: 9081), service("web", port: 9080, mtls: .strict)],
            meshctlPath: "/bin/meshctl", configsDirectory: "/state/configs", gatewayPort: 8000)
        inputs.identitySocket = identity ? "/state/operator.sock" : nil
        return inputs
    }

    private static func inbound(_ world: DesiredWorld, of service: String) -> Listener? {
        world.configurations.values.lazy.compactMap { config in
            config.listeners.first { $0.kind == .inbound && $0.service == "local:\(service)" }
        }.first
    }

    @Test func aPolicyReachesOnlyItsTargetsInboundListener() throws {
        var book = PortBook()
        var input = Self.inputs()
        let before = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        input.authorizationPolicies = [
            AuthorizationPolicy(metadata: ObjectMeta(name: "web-callers"), spec: .init(
                service: "web", rules: [.init(from: ["api", "gateway"], methods: ["GET"], paths: ["/api/*"])])),
            AuthorizationPolicy(metadata: ObjectMeta(name: "no-admin"), spec: .init(
                service: "web", action: .deny, rules: [.init(paths: ["/admin*"])])),
        ]
        let after = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        let web = try #require(Self.inbound(after, of: "web"))
        // In the inputs' order (`MeshInputs(objects:)` sorts them by name).
        #expect(web.authorization == [
            AuthorizationPolicyConfig(name: "web-callers", action: .allow,
                                      rules: [.init(from: ["api", "gateway"], methods: ["GET"], paths: ["/api/*"])]),
            AuthorizationPolicyConfig(name: "no-admin", action: .deny, rules: [.init(paths: ["/admin*"])]),
        ])
        #expect(web.mtls == .strict)
        #expect(Self.inbound(after, of: "api")?.authorization == nil)
        #expect(Self.inbound(after, of: "api")?.mtls == nil)
        // Only web's sidecar changes version: the others are not pushed to.
        for (slot, config) in after.configurations {
            let changed = config.version != before.configurations[slot]?.version
            #expect(changed == (config.listeners.contains { $0.service == "local:web" }), "\(slot)")
            try config.validate()
        }
    }

    @Test func aPolicyOnASplitRootReachesEveryBackendsInboundListener() throws {
        var book = PortBook()
        var input = MeshInputs(
            services: [Service(metadata: ObjectMeta(name: "web"), spec: Service.Spec(port: 9080, workload: .none)),
                       Self.service("web-v1", port: 9081), Self.service("web-v2", port: 9082), Self.service("api", port: 9083)],
            splits: [TrafficSplit(metadata: ObjectMeta(name: "web"), spec: TrafficSplit.Spec(
                service: "web", backends: [.init(service: "web-v1", weight: 90), .init(service: "web-v2", weight: 10)]))],
            meshctlPath: "/bin/meshctl", configsDirectory: "/state/configs", gatewayPort: 8000)
        input.identitySocket = "/state/operator.sock"
        input.authorizationPolicies = [
            AuthorizationPolicy(metadata: ObjectMeta(name: "web-callers"), spec: .init(service: "web", rules: [.init(from: ["api"])])),
            AuthorizationPolicy(metadata: ObjectMeta(name: "v2-only"), spec: .init(service: "web-v2", action: .deny,
                                                                                  rules: [.init(paths: ["/beta*"])])),
        ]
        let world = MeshCompiler.compile(input, ports: &book, isFree: { _ in true })
        let callers = AuthorizationPolicyConfig(name: "web-callers", action: .allow, rules: [.init(from: ["api"])])
        #expect(Self.inbound(world, of: "web-v1")?.authorization == [callers])
        // A backend's own policy and the root's, together.
        #expect(Self.inbound(world, of: "web-v2")?.authorization == [
            callers, AuthorizationPolicyConfig(name: "v2-only", action: .deny, rules: [.init(paths: ["/beta*"])]),
        ])
        #expect(Self.inbound(world, of: "api")?.authorization == nil)
    }

    @Test func strictIsLeftOutWithoutIdentity() {
        var book = PortBook()
        let world = MeshCompiler.compile(Self.inputs(identity: false), ports: &book, isFree: { _ in true })
        #expect(Self.inbound(world, of: "web")?.mtls == nil)
    }
}
