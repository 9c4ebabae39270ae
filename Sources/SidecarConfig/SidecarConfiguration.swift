#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The sidecar's whole configuration: what the reconciler writes (`PUT /config`) and the proxy serves.
///
/// `version` is opaque to the proxy; the operator sets it and reads it back from `GET /config` to know the proxy
/// has applied it ("observed means observed").
public struct SidecarConfiguration: Sendable, Hashable, Codable {
    public var version: String
    public var listeners: [Listener]
    public var services: [ServiceConfig]
    public var splits: [TrafficSplitConfig]
    public var retryPolicies: [RetryPolicyConfig]
    /// Applies to requests with no RetryPolicy timeout; nil means no overall deadline.
    public var defaultRequestTimeout: Duration?
    /// Sizes and deadlines that protect the proxy from misbehaving clients.
    public var limits: ProxyLimits
    /// Where to write one JSON line per request; nil for no access log.
    public var accessLog: AccessLogConfig?
    /// Injected faults (`FaultConfig`), applied by caller-side listeners.
    public var faults: [FaultConfig] = []

    public init(
        version: String, listeners: [Listener] = [], services: [ServiceConfig] = [],
        splits: [TrafficSplitConfig] = [], retryPolicies: [RetryPolicyConfig] = [],
        defaultRequestTimeout: Duration? = .seconds(15), limits: ProxyLimits = ProxyLimits(),
        accessLog: AccessLogConfig? = nil
    ) {
        self.version = version
        self.listeners = listeners
        self.services = services
        self.splits = splits
        self.retryPolicies = retryPolicies
        self.defaultRequestTimeout = defaultRequestTimeout
        self.limits = limits
        self.accessLog = accessLog
    }

    private enum CodingKeys: String, CodingKey {
        case version, listeners, services, splits, retryPolicies, defaultRequestTimeout, limits, accessLog, faults
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.version = try c.decode(String.self, forKey: .version)
        self.listeners = try c.decodeIfPresent([Listener].self, forKey: .listeners) ?? []
        self.services = try c.decodeIfPresent([ServiceConfig].self, forKey: .services) ?? []
        self.splits = try c.decodeIfPresent([TrafficSplitConfig].self, forKey: .splits) ?? []
        self.retryPolicies = try c.decodeIfPresent([RetryPolicyConfig].self, forKey: .retryPolicies) ?? []
        if c.contains(.defaultRequestTimeout) {
            self.defaultRequestTimeout = try c.decodeDurationIfPresent(forKey: .defaultRequestTimeout)
        } else {
            self.defaultRequestTimeout = .seconds(15)
        }
        self.limits = try c.decodeIfPresent(ProxyLimits.self, forKey: .limits) ?? ProxyLimits()
        self.accessLog = try c.decodeIfPresent(AccessLogConfig.self, forKey: .accessLog)
        self.faults = try c.decodeIfPresent([FaultConfig].self, forKey: .faults) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(version, forKey: .version)
        try c.encode(listeners, forKey: .listeners)
        try c.encode(services, forKey: .services)
        try c.encode(splits, forKey: .splits)
        try c.encode(retryPolicies, forKey: .retryPolicies)
        // An explicit null, not an absent key: absent means the 15s default when read back.
        if let defaultRequestTimeout {
            try c.encodeDuration(defaultRequestTimeout, forKey: .defaultRequestTimeout)
        } else {
            try c.encodeNil(forKey: .defaultRequestTimeout)
        }
        try c.encode(limits, forKey: .limits)
        try c.encodeIfPresent(accessLog, forKey: .accessLog)
        // Absent unless used: a mesh without faults keeps the configuration (and its version digest) it had.
        if !faults.isEmpty { try c.encode(faults, forKey: .faults) }
    }

    /// Decodes and validates JSON; every problem is reported, each with its field path.
    public static func decode(json data: Data) throws(ConfigError) -> SidecarConfiguration {
        let config: SidecarConfiguration
        do {
            config = try JSONDecoder().decode(SidecarConfiguration.self, from: data)
        } catch let error as DecodingError {
            throw ConfigError(problems: [ConfigError.Problem(decoding: error)])
        } catch {
            throw ConfigError(problems: [.init(path: "", message: "\(error)")])
        }
        try config.validate()
        return config
    }

    /// Canonical JSON (sorted keys), what `GET /config` returns.
    public func encodedJSON() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return (try? encoder.encode(self)) ?? Data()
    }

    public func service(named name: String) -> ServiceConfig? { services.first { $0.name == name } }
}
