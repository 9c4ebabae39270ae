/// Connection-pool style limits for one upstream service: at most `maxConcurrentRequests` in flight and
/// `maxPendingRequests` waiting for a slot; anything beyond is rejected at once (the proxy answers 503 with a
/// reason) rather than queued without bound (Envoy's `http1MaxPendingRequests`, Consul's `MaxConcurrentRequests`).
public struct AdmissionControl: Sendable, Hashable {
    /// What to do with a new request.
    public enum Admission: Sendable, Hashable {
        /// Send it now; call `finished()` when it ends.
        case proceed
        /// Hold it; it may proceed when `finished()` returns true (call `dequeued()` then), or give up with
        /// `abandoned()`.
        case queue
        /// Refuse it: both limits are reached.
        case reject
    }

    /// Most requests in flight at once.
    public let maxConcurrentRequests: Int
    /// Most requests waiting for a slot.
    public let maxPendingRequests: Int
    /// Requests in flight.
    public private(set) var active = 0
    /// Requests waiting.
    public private(set) var pending = 0
    /// Requests refused since creation (for metrics).
    public private(set) var rejected = 0

    /// Limits; 0 pending means "never queue".
    public init(maxConcurrentRequests: Int = 1024, maxPendingRequests: Int = 1024) {
        self.maxConcurrentRequests = max(maxConcurrentRequests, 1)
        self.maxPendingRequests = max(maxPendingRequests, 0)
    }

    /// Admits, queues or rejects a new request.
    public mutating func admit() -> Admission {
        if active < maxConcurrentRequests && pending == 0 {
            active += 1
            return .proceed
        }
        if pending < maxPendingRequests {
            pending += 1
            return .queue
        }
        rejected += 1
        return .reject
    }

    /// An in-flight request ended. Returns true when a queued request should now be started: the proxy then
    /// takes the oldest one from its queue and calls `dequeued()`.
    public mutating func finished() -> Bool {
        if active > 0 { active -= 1 }
        return pending > 0 && active < maxConcurrentRequests
    }

    /// A queued request takes a free slot.
    public mutating func dequeued() {
        if pending > 0 { pending -= 1 }
        active += 1
    }

    /// A queued request gave up (client gone, timeout) before getting a slot.
    public mutating func abandoned() {
        if pending > 0 { pending -= 1 }
    }
}
