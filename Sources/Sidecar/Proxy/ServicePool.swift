import Synchronization

/// One service's shared limits, counted across every endpoint and every event loop of the proxy: open upstream
/// connections (`connectionLimits.maxConnections`, Istio's `connectionPool.tcp.maxConnections`) and requests
/// waiting for one (`maxPendingRequests`, Istio's `http1MaxPendingRequests`) — both for all replicas together.
final class ServiceConnectionCount: Sendable {
    private let open = Atomic<Int>(0)
    private let waiting = Atomic<Int>(0)

    /// Takes a connection slot if fewer than `limit` are taken.
    func reserve(limit: Int) -> Bool { Self.take(open, below: limit) }

    func release() { open.subtract(1, ordering: .acquiringAndReleasing) }

    var value: Int { open.load(ordering: .relaxed) }

    /// Takes a waiting place if fewer than `limit` requests wait for a connection to any endpoint of the service.
    func reserveWait(limit: Int) -> Bool { Self.take(waiting, below: limit) }

    func releaseWaits(_ count: Int = 1) { waiting.subtract(count, ordering: .acquiringAndReleasing) }

    var waitingCount: Int { waiting.load(ordering: .relaxed) }

    private static func take(_ counter: borrowing Atomic<Int>, below limit: Int) -> Bool {
        var current = counter.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = counter.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }
}

/// The proxy's connection counts by service name, shared by its event loops (a loop looks its service's up when a
/// configuration is compiled, never per request).
final class ServiceConnectionCounts: Sendable {
    private let counts = Mutex<[String: ServiceConnectionCount]>([:])

    func count(for service: String) -> ServiceConnectionCount {
        counts.withLock { counts in
            if let existing = counts[service] { return existing }
            let made = ServiceConnectionCount()
            counts[service] = made
            return made
        }
    }
}

/// One service's endpoints on one event loop, as their pools share the service's connection limit: a slot freed
/// by one endpoint serves the requests waiting at any of them, and a request that finds no slot free closes an idle
/// connection of another endpoint to make one (idle connections must not starve the endpoints that need one).
///
/// Members are held strongly, and each holds its pool: the cycle is broken when an endpoint leaves the configuration
/// (`EndpointState.leave`) or the loop goes away. Not weakly: a weak reference gives its object a side table for
/// life, and every retain and release of an endpoint (several per request) then takes the runtime's slow path.
final class ServicePool {
    let count: ServiceConnectionCount
    private var members: [EndpointState] = []

    init(count: ServiceConnectionCount) {
        self.count = count
    }

    /// The service's endpoints on this loop now (after a configuration swap).
    func setMembers(_ endpoints: [EndpointState]) { members = endpoints }

    /// `endpoint` left the configuration (a no-op when a swap already replaced the members without it).
    func remove(_ endpoint: EndpointState) { members.removeAll { $0 === endpoint } }

    /// A slot was freed: endpoints with waiting requests start connections while slots last.
    func slotFreed() {
        for endpoint in members { endpoint.serveWaiters() }
    }

    /// Closes one idle connection of an endpoint other than `requester`; its slot is freed when it has closed.
    func evictIdle(sparing requester: EndpointState) {
        for endpoint in members where endpoint !== requester {
            if endpoint.closeOneIdle() { return }
        }
    }
}
