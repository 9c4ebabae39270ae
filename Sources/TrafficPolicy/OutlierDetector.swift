/// Passive circuit breaking: ejects endpoints that fail in a row, for longer each time, and lets one probe request
/// through after the penalty before taking an endpoint back (Envoy's outlier detection, with Linkerd's probe).
///
/// What counts, exactly (mirroring Envoy's `putHttpResponseCode` and local-origin errors):
/// - **consecutive 5xx**: +1 on a 500–599 response, a connect failure, a reset or a per-try timeout.
/// - **consecutive gateway errors**: +1 on 502, 503, 504, a connect failure, a reset or a timeout; set to 0 by any
///   other 5xx response.
/// - **Both** are set to 0 by a success (any response below 500: a 4xx is the client's fault, not the endpoint's)
///   and when the endpoint is ejected. Cancelled attempts change nothing.
///
/// When a counter reaches its threshold (0 disables that counter) the endpoint is ejected for
/// `baseEjectionTime × multiplier`, at most `maxEjectionTime`; the multiplier grows by one per ejection and shrinks
/// by one for every `multiplierDecayInterval` the endpoint later spends back in service. An ejection that would
/// push the ejected share above `maxEjectionPercent` is skipped and counted as blocked (Envoy's
/// `ejections_overflow`); it is tried again on the next failure. At least one endpoint is always allowed to be
/// ejected, and one always stays unless the percent is 100.
///
/// After the penalty the endpoint is half-open: the next request may go to it (one at a time). A success takes it
/// back; a failure ejects it again with the next multiplier. Results of requests that were already in flight when
/// the endpoint was ejected are ignored.
///
/// Use per request: `unavailableEndpoints(now:)` → pick excluding them → `requestStarted(endpoint:now:)` →
/// `record(endpoint:outcome:now:)`, which returns an event to log and count when something changed.
public struct OutlierDetector: Sendable {
    /// Outlier detection settings; defaults are Envoy's/Istio's.
    public struct Configuration: Sendable, Hashable {
        /// Consecutive 5xx-class failures that eject (Envoy `consecutive5xxErrors`, default 5); 0 disables.
        public var consecutive5xxErrors: Int
        /// Consecutive gateway errors that eject (Istio `consecutiveGatewayErrors`, default 0: disabled).
        public var consecutiveGatewayErrors: Int
        /// First ejection's length, in nanoseconds (default 30 s).
        public var baseEjectionTime: UInt64
        /// Longest ejection, in nanoseconds (Envoy `max_ejection_time`, default 300 s).
        public var maxEjectionTime: UInt64
        /// Most of the endpoints, in percent, that may be ejected at once (default 10; at least one may be).
        public var maxEjectionPercent: Int
        /// Time back in service that takes one off the ejection multiplier, in nanoseconds (Envoy's `interval`,
        /// default 10 s).
        public var multiplierDecayInterval: UInt64

        /// Settings; times in nanoseconds.
        public init(
            consecutive5xxErrors: Int = 5,
            consecutiveGatewayErrors: Int = 0,
            baseEjectionTime: UInt64 = 30_000_000_000,
            maxEjectionTime: UInt64 = 300_000_000_000,
            maxEjectionPercent: Int = 10,
            multiplierDecayInterval: UInt64 = 10_000_000_000
        ) {
            self.consecutive5xxErrors = max(consecutive5xxErrors, 0)
            self.consecutiveGatewayErrors = max(consecutiveGatewayErrors, 0)
            self.baseEjectionTime = baseEjectionTime
            self.maxEjectionTime = max(maxEjectionTime, baseEjectionTime)
            self.maxEjectionPercent = min(max(maxEjectionPercent, 0), 100)
            self.multiplierDecayInterval = max(multiplierDecayInterval, 1)
        }
    }

    /// Where an endpoint stands.
    public enum State: Sendable, Hashable {
        /// Receiving traffic.
        case active
        /// Ejected until this time (monotonic nanoseconds).
        case ejected(until: UInt64)
        /// Penalty over; waiting for (or running) its one probe request.
        case probing
    }

    /// Why an endpoint was ejected.
    public enum EjectionReason: String, Sendable, Hashable {
        /// `consecutive5xxErrors` reached.
        case consecutive5xx = "consecutive-5xx"
        /// `consecutiveGatewayErrors` reached.
        case consecutiveGatewayErrors = "consecutive-gateway-errors"
        /// The one request let through after a penalty failed.
        case failedProbe = "failed-probe"
    }

    /// A change worth a log line, a metric and an event.
    public enum Event: Sendable, Hashable {
        /// `endpoint` was ejected for `duration` nanoseconds; `multiplier` is its ejection count now in force.
        case ejected(endpoint: Int, reason: EjectionReason, duration: UInt64, multiplier: Int)
        /// `endpoint` reached a threshold but `maxEjectionPercent` was already reached.
        case ejectionBlocked(endpoint: Int, reason: EjectionReason)
        /// `endpoint`'s probe succeeded; it is back in service.
        case reinstated(endpoint: Int)
    }

    struct Endpoint: Sendable {
        var state: State = .active
        var consecutive5xx = 0
        var consecutiveGatewayErrors = 0
        var multiplier = 0
        var probeInFlight = false
        var reinstatedAt: UInt64 = 0
        var ejections = 0
    }

    /// The settings in use.
    public let configuration: Configuration
    private var endpoints: [Endpoint]
    /// Ejected endpoints and probing ones whose probe is in flight: what a pick must exclude.
    private var unavailable = EndpointSet()
    /// Endpoints ejected or probing: what counts against `maxEjectionPercent`.
    public private(set) var ejectedCount = 0
    /// Earliest `ejected(until:)` among ejected endpoints; `.max` when none.
    private var nextExpiry: UInt64 = .max

    /// Ejections since creation, by reason (for metrics).
    public private(set) var ejectionsTotal: [EjectionReason: Int] = [:]
    /// Ejections skipped because of `maxEjectionPercent` (Envoy's `ejections_overflow`).
    public private(set) var ejectionsBlocked = 0
    /// Probes that succeeded.
    public private(set) var reinstatements = 0

    /// A detector over `endpointCount` endpoints, all active.
    public init(endpointCount: Int, configuration: Configuration = Configuration()) {
        precondition(endpointCount >= 0, "endpoint count must be non-negative")
        self.configuration = configuration
        self.endpoints = Array(repeating: Endpoint(), count: endpointCount)
    }

    /// A detector for a new endpoint list that keeps the ejections, multipliers and counters of endpoints that
    /// were in `previous` (see `EndpointMapping`), with `configuration` (e.g. the new config's). A half-open
    /// endpoint whose probe was in flight may be probed again. Totals for metrics carry over.
    public init(carryingOver previous: OutlierDetector, mapping: EndpointMapping, configuration: Configuration) {
        self.init(endpointCount: mapping.newCount, configuration: configuration)
        for (new, old) in mapping.oldIndex.enumerated() {
            guard let old, previous.endpoints.indices.contains(old) else { continue }
            endpoints[new] = previous.endpoints[old]
            endpoints[new].probeInFlight = false
            switch endpoints[new].state {
            case .active:
                break
            case .ejected(let until):
                ejectedCount += 1
                unavailable.insert(new)
                nextExpiry = min(nextExpiry, until)
            case .probing:
                ejectedCount += 1
            }
        }
        ejectionsTotal = previous.ejectionsTotal
        ejectionsBlocked = previous.ejectionsBlocked
        reinstatements = previous.reinstatements
    }

    /// The number of endpoints watched.
    public var endpointCount: Int { endpoints.count }

    /// Where `endpoint` stands (as of the last call that passed `now`).
    public func state(of endpoint: Int) -> State {
        endpoints[endpoint].state
    }

    /// How many times `endpoint` has been ejected since creation.
    public func ejections(of endpoint: Int) -> Int {
        endpoints[endpoint].ejections
    }

    /// The most endpoints that may be ejected at once.
    public var maxEjectable: Int {
        let count = endpoints.count
        if configuration.maxEjectionPercent >= 100 { return count }
        return min(max(count * configuration.maxEjectionPercent / 100, 1), count - 1)
    }

    /// Endpoints a pick must exclude at `now`: ejected ones, and half-open ones whose probe is already in flight.
    /// Ends penalties that are over. O(1) unless a penalty ends, then O(endpoints).
    public mutating func unavailableEndpoints(now: UInt64) -> EndpointSet {
        if now >= nextExpiry { endPenalties(now: now) }
        return unavailable
    }

    private mutating func endPenalties(now: UInt64) {
        nextExpiry = .max
        for index in endpoints.indices {
            guard case .ejected(let until) = endpoints[index].state else { continue }
            if until <= now {
                endpoints[index].state = .probing
                endpoints[index].probeInFlight = false
                unavailable.remove(index)
            } else {
                nextExpiry = min(nextExpiry, until)
            }
        }
    }

    /// Records that a request was sent to `endpoint`; for a half-open endpoint this is its probe, and it takes no
    /// other request until the probe's result is recorded.
    public mutating func requestStarted(endpoint: Int, now: UInt64) {
        guard endpoints.indices.contains(endpoint) else { return }
        if endpoints[endpoint].state == .probing, !endpoints[endpoint].probeInFlight {
            endpoints[endpoint].probeInFlight = true
            unavailable.insert(endpoint)
        }
    }

    /// Records how an attempt to `endpoint` ended; returns what changed, if anything.
    @discardableResult
    public mutating func record(endpoint: Int, outcome: AttemptOutcome, now: UInt64) -> Event? {
        guard endpoints.indices.contains(endpoint) else { return nil }
        switch endpoints[endpoint].state {
        case .ejected:
            return nil
        case .probing:
            return recordProbe(endpoint: endpoint, outcome: outcome, now: now)
        case .active:
            return recordActive(endpoint: endpoint, outcome: outcome, now: now)
        }
    }

    private mutating func recordProbe(endpoint: Int, outcome: AttemptOutcome, now: UInt64) -> Event? {
        guard endpoints[endpoint].probeInFlight else { return nil }
        endpoints[endpoint].probeInFlight = false
        if outcome.isSuccess {
            endpoints[endpoint].state = .active
            endpoints[endpoint].reinstatedAt = now
            endpoints[endpoint].consecutive5xx = 0
            endpoints[endpoint].consecutiveGatewayErrors = 0
            ejectedCount -= 1
            unavailable.remove(endpoint)
            reinstatements += 1
            return .reinstated(endpoint: endpoint)
        }
        if outcome.isFailure {
            return eject(endpoint, reason: .failedProbe, now: now)
        }
        unavailable.remove(endpoint)  // cancelled: the next request probes instead
        return nil
    }

    private mutating func recordActive(endpoint: Int, outcome: AttemptOutcome, now: UInt64) -> Event? {
        if outcome.isSuccess {
            endpoints[endpoint].consecutive5xx = 0
            endpoints[endpoint].consecutiveGatewayErrors = 0
            return nil
        }
        guard outcome.isFailure else { return nil }
        endpoints[endpoint].consecutive5xx += 1
        if outcome.isGatewayError {
            endpoints[endpoint].consecutiveGatewayErrors += 1
        } else {
            endpoints[endpoint].consecutiveGatewayErrors = 0
        }
        let reason: EjectionReason
        let fiveXX = configuration.consecutive5xxErrors
        let gateway = configuration.consecutiveGatewayErrors
        if fiveXX > 0, endpoints[endpoint].consecutive5xx >= fiveXX {
            reason = .consecutive5xx
        } else if gateway > 0, endpoints[endpoint].consecutiveGatewayErrors >= gateway {
            reason = .consecutiveGatewayErrors
        } else {
            return nil
        }
        guard ejectedCount < maxEjectable else {
            ejectionsBlocked += 1
            return .ejectionBlocked(endpoint: endpoint, reason: reason)
        }
        // Time served since the last reinstatement earns the multiplier down (Envoy's decrement per interval).
        let served = now > endpoints[endpoint].reinstatedAt ? now - endpoints[endpoint].reinstatedAt : 0
        let earned = Int(min(served / configuration.multiplierDecayInterval, UInt64(Int.max)))
        endpoints[endpoint].multiplier = max(endpoints[endpoint].multiplier - earned, 0)
        ejectedCount += 1
        return eject(endpoint, reason: reason, now: now)
    }

    /// Ejects `endpoint` (already counted in `ejectedCount`) with the next multiplier.
    private mutating func eject(_ endpoint: Int, reason: EjectionReason, now: UInt64) -> Event {
        endpoints[endpoint].multiplier += 1
        let multiplier = endpoints[endpoint].multiplier
        let product = configuration.baseEjectionTime.multipliedReportingOverflow(by: UInt64(multiplier))
        let duration =
            product.overflow ? configuration.maxEjectionTime : min(product.partialValue, configuration.maxEjectionTime)
        let until = now.addingReportingOverflow(duration).overflow ? UInt64.max - 1 : now + duration
        endpoints[endpoint].state = .ejected(until: until)
        endpoints[endpoint].consecutive5xx = 0
        endpoints[endpoint].consecutiveGatewayErrors = 0
        endpoints[endpoint].probeInFlight = false
        endpoints[endpoint].ejections += 1
        unavailable.insert(endpoint)
        nextExpiry = min(nextExpiry, until)
        ejectionsTotal[reason, default: 0] += 1
        return .ejected(endpoint: endpoint, reason: reason, duration: duration, multiplier: multiplier)
    }
}
