import DurationText
import Manifests

/// The cumulative requests each replica's sidecar has passed to its workload, by sidecar instance: what the
/// autoscaler turns into a rate. Behind a protocol so the decision is tested with scripted counts.
protocol RequestCountSource: Sendable {
    /// `sidecars`: the ready sidecars of `service`'s replicas (instance id, admin port). A sidecar that does not
    /// answer is left out.
    func requestCounts(service: String, sidecars: [(id: String, adminPort: Int)]) async -> [String: Double]
}

/// One Service's autoscaling decision, as Kubernetes' HPA makes it for a requests-per-second metric: the count
/// that serves the measured rate at `targetRPSPerReplica` each, clamped to `min...max`, with a 10 % tolerance
/// around the current count; up at once, down only to the highest recommendation of the last
/// `scaleDownStabilization` (so a dip does not remove replicas that the next second needs again).
///
/// A value type without a clock or I/O: the caller passes each sample's counts and time.
struct ReplicaAutoscaler: Sendable {
    struct Decision: Sendable, Equatable {
        var replicas: Int
        /// The measured rate over the last sample, nil before there are two samples.
        var requestsPerSecond: Double?
        /// Why, for `meshctl status`: `autoscale 1-3: 3 (61.0 rps at 20 per replica)`.
        var reason: String
    }

    /// Below this many seconds since the last sample, a new one is not taken (the rate would be noise).
    static let minimumSampleInterval = 1.0
    /// Kubernetes' default tolerance: no change while the rate is within 10 % of what the count serves.
    static let tolerance = 0.1

    private(set) var replicas: Int
    private var lastCounts: [String: Double] = [:]
    private var lastSampleAt: Double?
    private var lastRate: Double?
    /// Recommendations of the stabilization window, oldest first.
    private var recommendations: [(at: Double, replicas: Int)] = []

    /// `current`: the replicas running now (after an operator restart, the count it finds), clamped to the range.
    init(current: Int, policy: Service.Autoscale) {
        replicas = Swift.min(Swift.max(current, policy.min), policy.max)
    }

    /// Whether a sample is due at `now`.
    func isDue(now: Double) -> Bool {
        lastSampleAt.map { now - $0 >= Self.minimumSampleInterval } ?? true
    }

    /// Takes one sample of the cumulative counts and decides. A sidecar seen for the first time counts from zero
    /// (it started since the last sample); one that went away, or restarted, adds nothing.
    mutating func sample(counts: [String: Double], now: Double, policy: Service.Autoscale) -> Decision {
        defer {
            lastCounts = counts
            lastSampleAt = now
        }
        guard let since = lastSampleAt, now > since else { return decide(now: now, policy: policy) }
        var requests = 0.0
        for (id, count) in counts { requests += Swift.max(0, count - (lastCounts[id] ?? 0)) }
        lastRate = requests / (now - since)
        return decide(now: now, policy: policy)
    }

    /// The decision with the last measured rate (also for a pass that takes no sample).
    mutating func decide(now: Double, policy: Service.Autoscale) -> Decision {
        let range = "autoscale \(policy.min)-\(policy.max)"
        replicas = Swift.min(Swift.max(replicas, policy.min), policy.max)
        guard let rate = lastRate else {
            return Decision(replicas: replicas, requestsPerSecond: nil, reason: "\(range): \(replicas), measuring")
        }
        let serving = Double(replicas) * policy.targetRPSPerReplica
        var recommended = Int((rate / policy.targetRPSPerReplica).rounded(.up))
        if serving > 0, abs(rate / serving - 1) <= Self.tolerance { recommended = replicas }
        recommended = Swift.min(Swift.max(recommended, policy.min), policy.max)
        let window = Self.seconds(policy.scaleDownStabilization)
        recommendations.append((now, recommended))
        recommendations.removeAll { now - $0.at > window }
        let rateText = "\(Self.oneDecimal(rate)) rps at \(Self.oneDecimal(policy.targetRPSPerReplica)) per replica"
        if recommended >= replicas {
            replicas = recommended
            return Decision(replicas: replicas, requestsPerSecond: rate, reason: "\(range): \(replicas) (\(rateText))")
        }
        let allowed = recommendations.map(\.replicas).max() ?? replicas
        guard allowed < replicas else {
            return Decision(replicas: replicas, requestsPerSecond: rate, reason: "\(range): \(replicas), "
                + "\(recommended) once the rate stays low for \(policy.scaleDownStabilization.canonicalText) (\(rateText))")
        }
        replicas = allowed
        return Decision(replicas: replicas, requestsPerSecond: rate, reason: "\(range): \(replicas) (\(rateText))")
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    private static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
