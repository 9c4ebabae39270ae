#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A change to the mesh tables of a running proxy (`PATCH /config`): the splits and retry policies, replaced whole,
/// and the services that changed, each replaced whole by name, on top of the exact version the sender believes the
/// proxy runs.
///
/// A weight change touches every proxy of the mesh but only its `splits`; a registration, an expiry or a new replica
/// touches one service's endpoints. Sending those alone, instead of every service, listener and limit again, is what
/// keeps such a change cheap for 21-41 proxies on two cores (the whole document's decoding was a third of a proxy's
/// cost per push, and the sender's encoding grows with the mesh too). `base` makes it safe: a proxy that runs
/// anything else refuses the patch (409) and the sender falls back to the whole configuration.
public struct SidecarConfigPatch: Sendable, Hashable, Codable {
    /// The version the patch applies to.
    public var base: String
    /// The version the proxy runs once patched.
    public var version: String
    /// Replaces the splits when present.
    public var splits: [TrafficSplitConfig]?
    /// Replaces the retry policies when present.
    public var retryPolicies: [RetryPolicyConfig]?
    /// Services added or changed, each replacing the running service of its name (or added after the others).
    public var services: [ServiceConfig]?
    /// Names of running services the patched configuration no longer has.
    public var removedServices: [String]?
    /// Every service's name in the patched configuration's order; present only when keeping the running order and
    /// appending the added services would not give it (a sidecar's own `local:` service stays last, say).
    public var serviceOrder: [String]?

    public init(
        base: String, version: String, splits: [TrafficSplitConfig]? = nil, retryPolicies: [RetryPolicyConfig]? = nil,
        services: [ServiceConfig]? = nil, removedServices: [String]? = nil, serviceOrder: [String]? = nil
    ) {
        self.base = base
        self.version = version
        self.splits = splits
        self.retryPolicies = retryPolicies
        self.services = services
        self.removedServices = removedServices
        self.serviceOrder = serviceOrder
    }

    /// The patch that turns `old` into `new`, or nil when they differ in more than their version, splits, retry
    /// policies and services (listeners, limits, timeouts, access log or faults: only the whole configuration will
    /// do), or when a service name is not unique in either (then a name does not say which service to replace).
    public static func between(_ old: SidecarConfiguration, _ new: SidecarConfiguration) -> SidecarConfigPatch? {
        guard old.version != new.version else { return nil }
        var rest = old
        rest.version = new.version
        rest.splits = new.splits
        rest.retryPolicies = new.retryPolicies
        rest.services = new.services
        guard rest == new else { return nil }
        // A weight change leaves every service as it was: one comparison of the lists, not a dictionary of the old
        // services per proxy (that was most of a 201-proxy push's time on the operator before anything was sent).
        let services = old.services == new.services ? ServicesChange.none : ServicesChange(from: old.services, to: new.services)
        guard let services else { return nil }
        return SidecarConfigPatch(
            base: old.version, version: new.version,
            splits: old.splits == new.splits ? nil : new.splits,
            retryPolicies: old.retryPolicies == new.retryPolicies ? nil : new.retryPolicies,
            services: services.upserted, removedServices: services.removed, serviceOrder: services.order)
    }

    /// Whether the patch was written for `version`.
    public func applies(to version: String) -> Bool { base == version }

    /// Whether the patch replaces, adds or removes services (else it touches the splits and retry policies alone).
    public var changesServices: Bool { services != nil || removedServices != nil || serviceOrder != nil }

    /// `config` with the patch applied (not validated: the proxy validates what it is about to run, with
    /// `problems(applyingTo:)` for what only the running configuration can tell).
    public func applied(to config: SidecarConfiguration) -> SidecarConfiguration {
        var patched = config
        patched.version = version
        if let splits { patched.splits = splits }
        if let retryPolicies { patched.retryPolicies = retryPolicies }
        if changesServices { patched.services = patchedServices(config.services) }
        return patched
    }

    /// Decodes a `PATCH /config` body; a problem names its field as `SidecarConfiguration.decode` does.
    public static func decode(json data: Data) throws(ConfigError) -> SidecarConfigPatch {
        try data.withUnsafeBytes(decode(bytes:)).get()
    }

    /// `decode(json:)` over the bytes as they arrived (the admin endpoint's buffer, not a copy). A weight change's
    /// body is read without `JSONDecoder` (`SplitsPatchReader`); any other goes through it.
    public static func decode(bytes: UnsafeRawBufferPointer) -> Result<SidecarConfigPatch, ConfigError> {
        if let patch = SplitsPatchReader.patch(from: bytes) { return .success(patch) }
        do {
            return .success(try JSONDecoder().decode(SidecarConfigPatch.self, from: Data(bytes)))
        } catch let error as DecodingError {
            return .failure(ConfigError(problems: [ConfigError.Problem(decoding: error)]))
        } catch {
            return .failure(ConfigError(problems: [.init(path: "", message: "\(error)")]))
        }
    }
}
