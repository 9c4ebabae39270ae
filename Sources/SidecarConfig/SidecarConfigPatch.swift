#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A change to the mesh tables of a running proxy (`PATCH /config`): the splits and retry policies, replaced whole,
/// on top of the exact version the sender believes the proxy runs.
///
/// A weight change touches every proxy of the mesh but only its `splits`; sending those alone, instead of every
/// service, listener and limit again, is what keeps a rollout step cheap for 41 proxies on two cores (the whole
/// document's decoding was a third of a proxy's cost per push). `base` makes it safe: a proxy that runs anything else
/// refuses the patch (409) and the sender falls back to the whole configuration.
public struct SidecarConfigPatch: Sendable, Hashable, Codable {
    /// The version the patch applies to.
    public var base: String
    /// The version the proxy runs once patched.
    public var version: String
    /// Replaces the splits when present.
    public var splits: [TrafficSplitConfig]?
    /// Replaces the retry policies when present.
    public var retryPolicies: [RetryPolicyConfig]?

    public init(base: String, version: String, splits: [TrafficSplitConfig]? = nil, retryPolicies: [RetryPolicyConfig]? = nil) {
        self.base = base
        self.version = version
        self.splits = splits
        self.retryPolicies = retryPolicies
    }

    /// The patch that turns `old` into `new`, or nil when they differ in more than their version, splits and retry
    /// policies (then only the whole configuration will do).
    public static func between(_ old: SidecarConfiguration, _ new: SidecarConfiguration) -> SidecarConfigPatch? {
        var rest = old
        rest.version = new.version
        rest.splits = new.splits
        rest.retryPolicies = new.retryPolicies
        guard rest == new, old.version != new.version else { return nil }
        return SidecarConfigPatch(
            base: old.version, version: new.version,
            splits: old.splits == new.splits ? nil : new.splits,
            retryPolicies: old.retryPolicies == new.retryPolicies ? nil : new.retryPolicies)
    }

    /// Whether the patch was written for `version`.
    public func applies(to version: String) -> Bool { base == version }

    /// `config` with the patch applied (not validated: the proxy validates what it is about to run).
    public func applied(to config: SidecarConfiguration) -> SidecarConfiguration {
        var patched = config
        patched.version = version
        if let splits { patched.splits = splits }
        if let retryPolicies { patched.retryPolicies = retryPolicies }
        return patched
    }

    /// Decodes a `PATCH /config` body; a problem names its field as `SidecarConfiguration.decode` does.
    public static func decode(json data: Data) throws(ConfigError) -> SidecarConfigPatch {
        do {
            return try JSONDecoder().decode(SidecarConfigPatch.self, from: data)
        } catch let error as DecodingError {
            throw ConfigError(problems: [ConfigError.Problem(decoding: error)])
        } catch {
            throw ConfigError(problems: [.init(path: "", message: "\(error)")])
        }
    }
}
