import Foundation
import Manifests
import MeshStore
import OperatorAPI
import Reconciler
import SidecarConfig
import Testing

@testable import OperatorCore

/// A proxy that runs a configuration naming a service it does not define degrades that route only
/// (`SidecarConfiguration.degradedRoutes()`); the object owning the route says so in a `Degraded` condition.
@Suite("degraded route conditions")
struct DegradedConditionTests {
    let gateway = SlotID(service: "gateway", role: .gateway)
    let sidecar = SlotID(service: "web-v1", role: .sidecar, replica: 0)

    /// The tables of a mesh whose split `web` and retry policy `web-retries` name `web-v2`, which is not defined
    /// (a delete raced the write, or state made by hand).
    private func config(_ version: String) -> SidecarConfiguration {
        SidecarConfiguration(
            version: version,
            listeners: [Listener(name: "gateway", kind: .gateway, address: "127.0.0.1:0",
                                 routes: [GatewayRoute(host: "web", service: "web"),
                                          GatewayRoute(host: "web-v2", service: "web-v2")])],
            services: [ServiceConfig(name: "web", endpoints: []), ServiceConfig(name: "web-v1", endpoints: ["127.0.0.1:1"])],
            splits: [TrafficSplitConfig(name: "web", rootService: "web", backends: [
                .init(service: "web-v1", weight: 50), .init(service: "web-v2", weight: 50)])],
            retryPolicies: [RetryPolicyConfig(name: "web-retries", service: "web-v2")])
    }

    private func proxy(_ slot: SlotID, reports version: String?) -> ObservedInstance {
        let record = StoredProcess(id: "\(slot)#1", role: slot.role.processRole, service: slot.service,
                                   replica: slot.replica, pid: 1, startTime: 1, commandHash: "", logPath: "",
                                   state: "running")
        let observed = ObservedProcess(slot: slot, instance: record.id, revision: "", state: .ready,
                                       configVersion: version)
        return ObservedInstance(record: record, observed: observed, ports: [:])
    }

    private let split = ManifestObject.trafficSplit(TrafficSplit(
        metadata: ObjectMeta(name: "web"),
        spec: .init(service: "web", backends: [.init(service: "web-v1", weight: 50), .init(service: "web-v2", weight: 50)])))
    private let policy = ManifestObject.retryPolicy(RetryPolicy(metadata: ObjectMeta(name: "web-retries"),
                                                                spec: .init(service: "web-v2")))
    private let root = ManifestObject.service(Service(metadata: ObjectMeta(name: "web-v2"), spec: .init(port: 9000)))

    private func builder(versions: [SlotID: String?]) -> StatusBuilder {
        let world = DesiredWorld(configurations: [gateway: config("g1"), sidecar: config("s1")])
        let instances = versions.map { proxy($0.key, reports: $0.value) }
        return StatusBuilder(instances: instances, world: world, lastExit: [:], crashLooping: [])
    }

    @Test func theSplitAndRetryPolicyNamingAnUndefinedServiceAreDegraded() throws {
        let status = builder(versions: [gateway: "g1", sidecar: "s1"])
        let splitCondition = try #require(status.status(for: split, generation: 1).condition("Degraded"))
        #expect(splitCondition.status == "True")
        #expect(splitCondition.reason == "UnknownService")
        #expect(splitCondition.message.contains("2 proxies"))
        #expect(splitCondition.message.contains("unknown service \"web-v2\""))
        let policyCondition = try #require(status.status(for: policy, generation: 1).condition("Degraded"))
        #expect(policyCondition.reason == "UnknownService")
        #expect(policyCondition.message.contains("retry policy \"web-retries\" is not used"))
        // The gateway's route for it names the Service; its status says the route answers 503.
        let serviceCondition = try #require(status.status(for: root, generation: 1).condition("Degraded"))
        #expect(serviceCondition.status == "True")
        #expect(serviceCondition.message.hasPrefix("2 proxies report unknown service \"web-v2\""))
        #expect(serviceCondition.message.contains("requests matching this route get 503"))
    }

    @Test func onlyProxiesRunningTheConfigurationCount() throws {
        // The sidecar still runs another version: only the gateway's word counts.
        let status = builder(versions: [gateway: "g1", sidecar: "s0"])
        let condition = try #require(status.status(for: split, generation: 1).condition("Degraded"))
        #expect(condition.message.hasPrefix("1 proxy reports"))
        // None runs it: nothing is reported, so nothing is claimed.
        let none = builder(versions: [gateway: "g0", sidecar: nil])
        #expect(none.status(for: split, generation: 1).condition("Degraded") == nil)
    }

    @Test func aWholeConfigurationDegradesNothing() {
        var whole = config("g1")
        whole.services.append(ServiceConfig(name: "web-v2", endpoints: []))
        let world = DesiredWorld(configurations: [gateway: whole])
        let instances = [proxy(gateway, reports: "g1")]
        #expect(DegradedObjects(instances: instances, world: world).findings.isEmpty)
    }
}
