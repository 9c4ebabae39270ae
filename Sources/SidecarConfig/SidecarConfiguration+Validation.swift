#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension SidecarConfiguration {
    /// Checks what decoding cannot: ranges, addresses, regexes, the shape of splits. Collects every problem.
    /// A reference to a service the configuration does not define is not a problem here: the proxy serves every
    /// other route and degrades only the ones that need it (`degradedRoutes()`).
    public func validate() throws(ConfigError) {
        let problems = Self.problems(version: version, services: services, splits: splits, retryPolicies: retryPolicies,
                                     rest: self)
        if !problems.isEmpty { throw ConfigError(problems: problems) }
    }

    /// Every problem of a configuration's mesh tables, and, with `rest`, of its listeners, settings and faults too,
    /// in one order. `validate` checks a whole configuration with it; a `PATCH /config` checks the tables it brings
    /// alone (`rest` nil: the rest did not change, and was valid when applied), so a weight change costs its splits,
    /// not a configuration built around them and checked whole.
    static func problems(version: String, services: [ServiceConfig], splits: [TrafficSplitConfig],
                         retryPolicies: [RetryPolicyConfig], rest: SidecarConfiguration?) -> [ConfigError.Problem] {
        var problems: [ConfigError.Problem] = []
        if version.isEmpty { problems.append(.init(path: "version", message: "must not be empty")) }
        if !services.isEmpty { checkServices(services, into: &problems) }
        rest?.checkListeners(into: &problems)
        if !splits.isEmpty { checkSplits(splits, into: &problems) }
        if !retryPolicies.isEmpty { checkRetryPolicies(retryPolicies, into: &problems) }
        rest?.checkSettings(into: &problems)
        problems += trafficManagementProblems(services: services, splits: splits, faults: rest?.faults ?? [])
        return problems
    }

    private static func checkServices(_ services: [ServiceConfig], into problems: inout [ConfigError.Problem]) {
        func fail(_ path: String, _ message: String) { problems.append(.init(path: path, message: message)) }
        var serviceNames = Set<String>()
        for (i, service) in services.enumerated() {
            let path = "services[\(i)]"
            if service.name.isEmpty { fail("\(path).name", "must not be empty") }
            if !serviceNames.insert(service.name).inserted {
                fail("\(path).name", "duplicate service \"\(service.name)\"")
            }
            for (j, endpoint) in service.endpoints.enumerated() where HostPort(parsing: endpoint) == nil {
                fail("\(path).endpoints[\(j)]", "expected host:port, got \"\(endpoint)\"")
            }
            let limits = service.connectionLimits
            if limits.maxConnections < 1 { fail("\(path).connectionLimits.maxConnections", "must be >= 1") }
            if limits.maxPendingRequests < 0 { fail("\(path).connectionLimits.maxPendingRequests", "must be >= 0") }
            if limits.maxIdleConnections < 0 { fail("\(path).connectionLimits.maxIdleConnections", "must be >= 0") }
            if limits.maxRequestsPerConnection < 0 {
                fail("\(path).connectionLimits.maxRequestsPerConnection", "must be >= 0 (0: no limit)")
            }
            if limits.connectTimeout < .milliseconds(1) {
                fail("\(path).connectionLimits.connectTimeout", "must be at least 1ms")
            }
            if let outlier = service.outlierDetection {
                if outlier.consecutive5xxErrors < 0 { fail("\(path).outlierDetection.consecutive5xxErrors", "must be >= 0") }
                if outlier.consecutiveGatewayErrors < 0 {
                    fail("\(path).outlierDetection.consecutiveGatewayErrors", "must be >= 0")
                }
                if !(0...100).contains(outlier.maxEjectionPercent) {
                    fail("\(path).outlierDetection.maxEjectionPercent", "must be 0...100")
                }
                if outlier.interval < .milliseconds(1) { fail("\(path).outlierDetection.interval", "must be at least 1ms") }
                if outlier.maxEjectionTime < outlier.baseEjectionTime {
                    fail("\(path).outlierDetection.maxEjectionTime", "must be >= baseEjectionTime")
                }
            }
            if let check = service.healthCheck {
                if !check.path.hasPrefix("/") { fail("\(path).healthCheck.path", "must start with /") }
                if check.interval < .milliseconds(10) { fail("\(path).healthCheck.interval", "must be at least 10ms") }
                if check.timeout < .milliseconds(1) { fail("\(path).healthCheck.timeout", "must be at least 1ms") }
                if check.healthyThreshold < 1 { fail("\(path).healthCheck.healthyThreshold", "must be >= 1") }
                if check.unhealthyThreshold < 1 { fail("\(path).healthCheck.unhealthyThreshold", "must be >= 1") }
            }
        }
    }

    private func checkListeners(into problems: inout [ConfigError.Problem]) {
        func fail(_ path: String, _ message: String) { problems.append(.init(path: path, message: message)) }
        var listenerNames = Set<String>()
        var listenerAddresses = Set<HostPort>()
        for (i, listener) in listeners.enumerated() {
            let path = "listeners[\(i)]"
            if !listenerNames.insert(listener.name).inserted {
                fail("\(path).name", "duplicate listener \"\(listener.name)\"")
            }
            if let address = HostPort(parsing: listener.address) {
                // Port 0 asks for any free port, so several listeners may say it; a fixed address is one socket.
                if address.port != 0 && !listenerAddresses.insert(address).inserted {
                    fail("\(path).address", "another listener already binds \(listener.address)")
                }
            } else {
                fail("\(path).address", "expected host:port, got \"\(listener.address)\"")
            }
            switch listener.kind {
            case .inbound:
                guard let name = listener.service else {
                    fail("\(path).service", "an inbound listener needs the service of its local replica")
                    break
                }
            case .outbound:
                break
            case .gateway:
                if listener.routes.isEmpty { fail("\(path).routes", "a gateway listener needs at least one route") }
                for (j, route) in listener.routes.enumerated() {
                    if !route.pathPrefix.hasPrefix("/") {
                        fail("\(path).routes[\(j)].pathPrefix", "must start with /")
                    }
                }
            }
        }
    }

    private static func checkSplits(_ splits: [TrafficSplitConfig], into problems: inout [ConfigError.Problem]) {
        func fail(_ path: String, _ message: String) { problems.append(.init(path: path, message: message)) }
        var splitRoots = Set<String>()
        for (i, split) in splits.enumerated() {
            let path = "splits[\(i)]"
            if !splitRoots.insert(split.rootService).inserted {
                fail("\(path).rootService", "\"\(split.rootService)\" already has a split")
            }
            if split.backends.isEmpty { fail("\(path).backends", "needs at least one backend") }
            if !split.backends.contains(where: { $0.weight > 0 }) {
                fail("\(path).backends", "at least one weight must be > 0")
            }
            for (j, backend) in split.backends.enumerated() {
                if backend.weight < 0 { fail("\(path).backends[\(j)].weight", "must be >= 0") }
                if backend.service == split.rootService {
                    fail("\(path).backends[\(j)].service", "the root service cannot be its own backend")
                }
            }
            for (j, pinned) in split.pinnedRoutes.enumerated() {
                if !split.backends.contains(where: { $0.service == pinned.service }) {
                    fail("\(path).pinnedRoutes[\(j)].service", "\"\(pinned.service)\" is not a backend of the split")
                }
                problems += Self.matchProblems(pinned.match, path: "\(path).pinnedRoutes[\(j)].match")
            }
            for (j, match) in split.matches.enumerated() {
                problems += Self.matchProblems(match, path: "\(path).matches[\(j)]")
            }
            if let affinity = split.sessionAffinity {
                if affinity.cookieName.isEmpty { fail("\(path).sessionAffinity.cookieName", "must not be empty") }
                if affinity.maxAge < 1 { fail("\(path).sessionAffinity.maxAge", "must be >= 1") }
                for service in affinity.values.keys.sorted() where !split.backends.contains(where: { $0.service == service }) {
                    fail("\(path).sessionAffinity.values", "\"\(service)\" is not a backend of the split")
                }
            }
            for (j, mirror) in split.mirrorRoutes.enumerated() {
                if !split.backends.contains(where: { $0.service == mirror.service }) {
                    fail("\(path).mirrorRoutes[\(j)].service", "\"\(mirror.service)\" is not a backend of the split")
                }
                if !(0...100).contains(mirror.percentage) {
                    fail("\(path).mirrorRoutes[\(j)].percentage", "must be between 0 and 100")
                }
                problems += Self.matchProblems(mirror.match, path: "\(path).mirrorRoutes[\(j)].match")
            }
        }
        // SMI: splits do not nest.
        for (i, split) in splits.enumerated() {
            for (j, backend) in split.backends.enumerated() where splitRoots.contains(backend.service) {
                fail("splits[\(i)].backends[\(j)].service", "\"\(backend.service)\" has a split itself; splits do not nest")
            }
        }
    }

    private static func checkRetryPolicies(_ retryPolicies: [RetryPolicyConfig], into problems: inout [ConfigError.Problem]) {
        func fail(_ path: String, _ message: String) { problems.append(.init(path: path, message: message)) }
        var policyTargets = Set<String>()
        for (i, policy) in retryPolicies.enumerated() {
            let path = "retryPolicies[\(i)]"
            if !policyTargets.insert(policy.service).inserted {
                fail("\(path).service", "\"\(policy.service)\" already has a retry policy")
            }
            if !(1...10).contains(policy.attempts) { fail("\(path).attempts", "must be 1...10") }
            if let t = policy.perTryTimeout, t < .milliseconds(1) { fail("\(path).perTryTimeout", "must be at least 1ms") }
            if let t = policy.timeout, t < .milliseconds(1) { fail("\(path).timeout", "must be at least 1ms") }
            if let t = policy.timeout, let p = policy.perTryTimeout, p > t {
                fail("\(path).perTryTimeout", "must not exceed timeout")
            }
            for (j, code) in policy.retriableStatusCodes.enumerated() where !(400...599).contains(code) {
                fail("\(path).retriableStatusCodes[\(j)]", "\(code) cannot be retried: only 400...599 responses are")
            }
            if !(0...1).contains(policy.backoff.jitter) { fail("\(path).backoff.jitter", "must be 0...1") }
            if policy.backoff.max < policy.backoff.base { fail("\(path).backoff.max", "must be >= base") }
            if !(0...100).contains(policy.budget.percent) { fail("\(path).budget.percent", "must be 0...100") }
            if policy.budget.minRetriesPerSecond < 0 { fail("\(path).budget.minRetriesPerSecond", "must be >= 0") }
        }
    }

    private func checkSettings(into problems: inout [ConfigError.Problem]) {
        func fail(_ path: String, _ message: String) { problems.append(.init(path: path, message: message)) }
        if let t = defaultRequestTimeout, t < .milliseconds(1) { fail("defaultRequestTimeout", "must be at least 1ms") }
        if limits.maxRequestLineBytes < 64 { fail("limits.maxRequestLineBytes", "must be >= 64") }
        if limits.maxHeaderBytes < limits.maxRequestLineBytes {
            fail("limits.maxHeaderBytes", "must be >= maxRequestLineBytes")
        }
        if limits.maxHeaderBytes > 16 * 1024 * 1024 { fail("limits.maxHeaderBytes", "must be <= 16 MiB") }
        if limits.maxHeaderCount < 1 { fail("limits.maxHeaderCount", "must be >= 1") }
        if limits.headerTimeout < .milliseconds(1) { fail("limits.headerTimeout", "must be at least 1ms") }
        if limits.idleTimeout < .milliseconds(1) { fail("limits.idleTimeout", "must be at least 1ms") }
        if limits.tunnelIdleTimeout < .milliseconds(1) { fail("limits.tunnelIdleTimeout", "must be at least 1ms") }
        if limits.maxConnections < 1 { fail("limits.maxConnections", "must be >= 1") }
        if let log = accessLog, log.path.isEmpty { fail("accessLog.path", "must not be empty") }
    }
}

/// A part of a configuration the proxy accepts but cannot fully use: it names a service the configuration does not
/// define (a manifest not yet applied, a config that raced a delete). Only the route that needs it is degraded;
/// the proxy answers its requests 503 `x-mesh-reason: degraded` and lists it in `GET /config`.
public struct DegradedRoute: Sendable, Hashable, Codable {
    /// The configuration path, like `splits[0].backends[1].service`.
    public var path: String
    /// What is missing and what the proxy does instead.
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

extension SidecarConfiguration {
    /// Every route this configuration degrades, in configuration order; empty when it can be used whole.
    public func degradedRoutes() -> [DegradedRoute] {
        let lookups = listeners.reduce(0) { $0 + 1 + $1.routes.count } + splits.reduce(0) { $0 + 1 + $1.backends.count }
            + retryPolicies.count
        let known = ServiceNames(services, lookups: lookups)
        var degraded: [DegradedRoute] = []
        for (i, listener) in listeners.enumerated() {
            if let name = listener.service, !known.contains(name) {
                degraded.append(.init(
                    path: "listeners[\(i)].service",
                    reason: "unknown service \"\(name)\": requests on listener \"\(listener.name)\" get 503"))
            }
            for (j, route) in listener.routes.enumerated() where !known.contains(route.service) {
                degraded.append(.init(
                    path: "listeners[\(i)].routes[\(j)].service",
                    reason: "unknown service \"\(route.service)\": requests matching this route get 503"))
            }
        }
        for (i, split) in splits.enumerated() {
            if !known.contains(split.rootService) {
                degraded.append(.init(
                    path: "splits[\(i)].rootService",
                    reason: "unknown service \"\(split.rootService)\": split \"\(split.name)\" is not used"))
            }
            for (j, backend) in split.backends.enumerated() where !known.contains(backend.service) {
                degraded.append(.init(
                    path: "splits[\(i)].backends[\(j)].service",
                    reason: "unknown service \"\(backend.service)\": requests to \"\(split.rootService)\" get 503"))
            }
        }
        for (i, policy) in retryPolicies.enumerated() where !known.contains(policy.service) {
            degraded.append(.init(
                path: "retryPolicies[\(i)].service",
                reason: "unknown service \"\(policy.service)\": retry policy \"\(policy.name)\" is not used"))
        }
        return degraded
    }
}

/// The names of a configuration's services, for `degradedRoutes()`'s few lookups. A sidecar's configuration names
/// a handful of services in its listeners, splits and retry policies but defines every service of the mesh (100 at
/// 100 services), and the operator asks each of 201 configurations on every pass (its status) while every proxy asks
/// on each configuration it takes: hashing 100 names into a set for five lookups was most of that. A few lookups
/// compare against the list; many build the set.
private struct ServiceNames {
    private let services: [ServiceConfig]
    private let set: Set<String>?

    init(_ services: [ServiceConfig], lookups: Int) {
        self.services = services
        set = lookups > 8 ? Set(services.map(\.name)) : nil
    }

    func contains(_ name: String) -> Bool {
        if let set { return set.contains(name) }
        for index in services.indices where services[index].name == name { return true }
        return false
    }
}
