#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SidecarConfig
import Testing

/// `SidecarConfigPatch.between` and `applied(to:)` on their own: what a registration, an expiry, a scale or a new
/// Service sends a running proxy, and that applying it to the old configuration gives exactly the new one.
@Suite("SidecarConfigPatch: services by name")
struct SidecarConfigPatchTests {
    /// A sidecar's configuration as the operator builds it: the mesh's services, a split, then its own local service.
    private func sidecar(version: String, ext: [String] = ["127.0.0.1:7001"], mesh: [ServiceConfig]? = nil)
        -> SidecarConfiguration
    {
        var services = mesh ?? [
            ServiceConfig(name: "api", endpoints: ["127.0.0.1:7101", "127.0.0.1:7102"]),
            ServiceConfig(name: "api-v2", endpoints: ["127.0.0.1:7103"]),
            ServiceConfig(name: "ext", endpoints: ext),
            ServiceConfig(name: "web", endpoints: ["127.0.0.1:7201"]),
        ]
        services.append(ServiceConfig(name: "local:web", endpoints: ["127.0.0.1:7301"]))
        return SidecarConfiguration(
            version: version,
            listeners: [Listener(name: "inbound", kind: .inbound, address: "127.0.0.1:7401", service: "local:web"),
                        Listener(name: "outbound", kind: .outbound, address: "127.0.0.1:7402")],
            services: services,
            splits: [TrafficSplitConfig(name: "api", rootService: "api",
                                        backends: [.init(service: "api", weight: 90), .init(service: "api-v2", weight: 10)])],
            retryPolicies: [RetryPolicyConfig(name: "api-retries", service: "api", attempts: 2)])
    }

    private func json<T: Encodable>(_ value: T) -> String { String(decoding: try! JSONEncoder().encode(value), as: UTF8.self) }

    @Test("a registration is that one service, replaced in place; applied to the old configuration it gives the new")
    func registration() throws {
        let old = sidecar(version: "v1")
        let new = sidecar(version: "v2", ext: ["127.0.0.1:7001", "127.0.0.1:7002"])
        let patch = try #require(SidecarConfigPatch.between(old, new))
        #expect(patch == SidecarConfigPatch(base: "v1", version: "v2", services: [new.services[2]]))
        #expect(patch.changesServices)
        #expect(patch.applied(to: old) == new)
        // What goes over the wire: the one service, not the mesh (nor the splits, policies and listeners).
        let body = json(patch)
        #expect(!body.contains("api") && !body.contains("listeners") && !body.contains("splits"), "\(body)")
        #expect(body.utf8.count * 3 < json(new).utf8.count, "\(body.utf8.count) vs \(json(new).utf8.count) bytes")
    }

    @Test("an expiry that empties a service, and a scale of another, are both upserts; nothing else is sent")
    func expiryAndScale() throws {
        let old = sidecar(version: "v1")
        var new = sidecar(version: "v2", ext: [])
        new.services[0].endpoints.append("127.0.0.1:7104")
        let patch = try #require(SidecarConfigPatch.between(old, new))
        #expect(patch.services?.map(\.name) == ["api", "ext"])
        #expect(patch.removedServices == nil && patch.serviceOrder == nil && patch.splits == nil && patch.retryPolicies == nil)
        #expect(patch.applied(to: old) == new)
        // What leaves with it: ext's one endpoint (api only gained one).
        #expect(patch.endpointsLeaving(old).map { "\($0.service)|\($0.address)" } == ["ext|127.0.0.1:7001"])
    }

    @Test("a Service added to the mesh lands before the sidecar's own service: the patch says the order")
    func addedService() throws {
        let old = sidecar(version: "v1")
        var mesh = Array(old.services.dropLast())
        mesh.append(ServiceConfig(name: "zeta", endpoints: ["127.0.0.1:7501"]))
        let new = sidecar(version: "v2", mesh: mesh)
        let patch = try #require(SidecarConfigPatch.between(old, new))
        #expect(patch.services == [ServiceConfig(name: "zeta", endpoints: ["127.0.0.1:7501"])])
        #expect(patch.serviceOrder == ["api", "api-v2", "ext", "web", "zeta", "local:web"])
        #expect(patch.applied(to: old) == new)
        #expect(patch.problems(applyingTo: old).isEmpty)

        // Added last (a gateway, which has no local service): no order needed.
        var gatewayOld = old
        gatewayOld.services.removeLast()
        var gatewayNew = gatewayOld
        gatewayNew.version = "v2"
        gatewayNew.services.append(ServiceConfig(name: "zeta", endpoints: ["127.0.0.1:7501"]))
        let appended = try #require(SidecarConfigPatch.between(gatewayOld, gatewayNew))
        #expect(appended.serviceOrder == nil)
        #expect(appended.applied(to: gatewayOld) == gatewayNew)
    }

    @Test("a Service deleted, another changed, one added, and the weights and policies moved: one patch, exact")
    func everythingAtOnce() throws {
        let old = sidecar(version: "v1")
        var new = sidecar(version: "v2", ext: ["127.0.0.1:7009"])
        new.services.remove(at: 3)  // web
        new.services.insert(ServiceConfig(name: "cache", endpoints: ["127.0.0.1:7601"]), at: 0)
        new.splits[0].backends = [.init(service: "api", weight: 50), .init(service: "api-v2", weight: 50)]
        new.retryPolicies = []
        let patch = try #require(SidecarConfigPatch.between(old, new))
        #expect(patch.removedServices == ["web"])
        #expect(patch.endpointsLeaving(old).map { "\($0.service)|\($0.address)" }
                == ["ext|127.0.0.1:7001", "web|127.0.0.1:7201"])
        #expect(Set(patch.services?.map(\.name) ?? []) == ["cache", "ext"])
        #expect(patch.serviceOrder == ["cache", "api", "api-v2", "ext", "local:web"])
        #expect(patch.splits == new.splits)
        #expect(patch.retryPolicies == [])
        #expect(patch.applied(to: old) == new)
        // Through JSON, as the proxy gets it.
        let decoded = try SidecarConfigPatch.decode(json: Data(json(patch).utf8))
        #expect(decoded == patch)
        #expect(decoded.applied(to: old) == new)
    }

    @Test("a weight change alone stays a splits-only patch, with no services keys on the wire")
    func splitsOnly() throws {
        let old = sidecar(version: "v1")
        var new = sidecar(version: "v2")
        new.splits[0].backends[0].weight = 0
        let patch = try #require(SidecarConfigPatch.between(old, new))
        #expect(!patch.changesServices)
        let body = json(patch)
        #expect(!body.contains("services") && !body.contains("removedServices") && !body.contains("serviceOrder"), "\(body)")
        #expect(patch.applied(to: old) == new)
    }

    @Test("listeners, limits, timeouts or the same version: no patch, the whole configuration goes")
    func wholeOnly() {
        let old = sidecar(version: "v1")
        #expect(SidecarConfigPatch.between(old, old) == nil)
        var listener = sidecar(version: "v2", ext: [])
        listener.listeners[1].address = "127.0.0.1:7499"
        #expect(SidecarConfigPatch.between(old, listener) == nil)
        var limits = sidecar(version: "v2")
        limits.limits.maxHeaderCount = 7
        #expect(SidecarConfigPatch.between(old, limits) == nil)
        var timeout = sidecar(version: "v2")
        timeout.defaultRequestTimeout = nil
        #expect(SidecarConfigPatch.between(old, timeout) == nil)
        // A name twice (invalid, but the patch could not say which one it replaces).
        var twice = sidecar(version: "v2")
        twice.services.append(ServiceConfig(name: "ext", endpoints: []))
        #expect(SidecarConfigPatch.between(old, twice) == nil)
        #expect(SidecarConfigPatch.between(twice, old) == nil)
    }

    @Test("what only the running configuration can tell: a service replaced and removed, one not there, a bad order")
    func problems() {
        let running = sidecar(version: "v1")
        let patch = SidecarConfigPatch(
            base: "v1", version: "v2", services: [ServiceConfig(name: "ext", endpoints: [])],
            removedServices: ["ext", "ghost"], serviceOrder: ["api", "api"])
        let problems = patch.problems(applyingTo: running)
        #expect(problems.map(\.path) == ["removedServices[0]", "removedServices[1]", "serviceOrder"])
        #expect(problems[0].message.contains("\"ext\" is also in services"))
        #expect(problems[1].message == "no service \"ghost\" in version v1")
        #expect(problems[2].message.contains("must name each of the 5 services"))
        // The patched services are checked as any configuration's are, with the patch body's paths.
        let bad = SidecarConfigPatch(base: "v1", version: "v2", services: [ServiceConfig(name: "ext", endpoints: ["nowhere"])])
        #expect(throws: ConfigError.self) { try bad.validate(against: running) }
        do {
            try bad.validate(against: running)
        } catch {
            #expect(error.problems.map(\.path) == ["services[0].endpoints[0]"])
        }
    }
}
