import Synchronization

/// Open upstream connections of one service, counted across every endpoint and every event loop of the proxy: what
/// `connectionLimits.maxConnections` limits (Istio's `connectionPool.maxConnections`: all replicas together).
final class ServiceConnectionCount: Sendable {
    private let open = Atomic<Int>(0)

    /// Takes a slot if fewer than `limit` are taken.
    func reserve(limit: Int) -> Bool {
        var current = open.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, original) = open.compareExchange(
                expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = original
        }
        return false
    }

    func release() { open.subtract(1, ordering: .acquiringAndReleasing) }

    var value: Int { open.load(ordering: .relaxed) }
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
final class ServicePool {
    let count: ServiceConnectionCount
    private struct Member { weak var endpoint: EndpointState? }
    private var members: [Member] = []

    init(count: ServiceConnectionCount) {
        self.count = count
    }

    /// The service's endpoints on this loop now (after a configuration swap).
    func setMembers(_ endpoints: [EndpointState]) { members = endpoints.map(Member.init) }

    /// A slot was freed: endpoints with waiting requests start connections while slots last.
    func slotFreed() {
        for member in members { member.endpoint?.serveWaiters() }
    }

    /// Closes one idle connection of an endpoint other than `requester`; its slot is freed when it has closed.
    func evictIdle(sparing requester: EndpointState) {
        for member in members {
            if let endpoint = member.endpoint, endpoint !== requester, endpoint.closeOneIdle() { return }
        }
    }
}
