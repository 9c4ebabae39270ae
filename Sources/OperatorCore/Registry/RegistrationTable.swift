import Manifests

/// Instances registered from outside the operator (Consul's agent model), each kept while it heartbeats within its
/// TTL. Pure: the caller passes the time (the loop's monotonic seconds), so tests need no clock.
///
/// An instance is identified by its Service and address: registering the same address again renews it (a client
/// that lost its registration, say across an operator restart, registers again and is whole).
struct RegistrationTable: Sendable {
    struct Instance: Sendable, Hashable {
        var service: String
        var address: Service.Endpoint
        var ttl: Double
        var registeredAt: Double
        var expiresAt: Double
    }

    private(set) var instances: [String: Instance] = [:]
    /// Counts the changes to the endpoints (not renewals): a compile notes the one it listed.
    private(set) var generation = 0

    static func key(service: String, address: Service.Endpoint) -> String { "\(service)/\(address)" }

    /// Adds or renews an instance; returns whether the set of endpoints changed (a renewal does not change it).
    mutating func register(service: String, address: Service.Endpoint, ttl: Double, now: Double) -> Bool {
        let key = Self.key(service: service, address: address)
        let isNew = instances[key] == nil
        let registeredAt = instances[key]?.registeredAt ?? now
        instances[key] = Instance(service: service, address: address, ttl: ttl, registeredAt: registeredAt,
                                  expiresAt: now + ttl)
        if isNew { generation += 1 }
        return isNew
    }

    /// Pushes the instance's expiry one TTL ahead; false when it is not registered (expired or never was).
    mutating func heartbeat(service: String, address: Service.Endpoint, now: Double) -> Bool {
        let key = Self.key(service: service, address: address)
        guard var instance = instances[key] else { return false }
        instance.expiresAt = now + instance.ttl
        instances[key] = instance
        return true
    }

    mutating func deregister(service: String, address: Service.Endpoint) -> Bool {
        guard instances.removeValue(forKey: Self.key(service: service, address: address)) != nil else { return false }
        generation += 1
        return true
    }

    /// Removes the instances whose TTL ran out, and those of Services that no longer allow registration.
    mutating func expire(now: Double, allowed: (String) -> Bool) -> [Instance] {
        let gone = instances.values.filter { $0.expiresAt <= now || !allowed($0.service) }
        for instance in gone { instances[Self.key(service: instance.service, address: instance.address)] = nil }
        if !gone.isEmpty { generation += 1 }
        return gone.sorted { ($0.service, $0.address.description) < ($1.service, $1.address.description) }
    }

    /// When the next instance expires, if any.
    var nextExpiry: Double? { instances.values.map(\.expiresAt).min() }

    /// Each Service's registered addresses, sorted, as the proxies are told them.
    var endpoints: [String: [String]] {
        var result: [String: [String]] = [:]
        for instance in instances.values { result[instance.service, default: []].append(instance.address.description) }
        return result.mapValues { $0.sorted() }
    }
}
