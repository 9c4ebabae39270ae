import SidecarConfig

/// Chooses an endpoint among the available ones of a service.
///
/// Placeholder round-robin until the `TrafficPolicy` balancers land; availability (ejection, health, probe) is
/// decided here so every balancer sees the same candidate set.
final class EndpointBalancer {
    let kind: ServiceConfig.LoadBalancerKind
    private var next = 0

    init(kind: ServiceConfig.LoadBalancerKind) { self.kind = kind }

    func pick(from endpoints: [EndpointState], avoiding: EndpointState?, now: UInt64, random: inout FastRandom)
        -> EndpointState?
    {
        let count = endpoints.count
        if count == 0 { return nil }
        if count == 1 {
            let only = endpoints[0]
            return only.isAvailable(now: now) ? only : nil
        }
        var fallback: EndpointState? = nil
        for offset in 0..<count {
            let candidate = endpoints[(next + offset) % count]
            guard candidate.isAvailable(now: now) else { continue }
            if candidate === avoiding {
                fallback = candidate
                continue
            }
            next = (next + offset + 1) % count
            return candidate
        }
        return fallback
    }
}

extension EndpointState {
    /// Whether a new request may go here: healthy, not ejected, and not waiting on a probe's answer.
    @inline(__always)
    func isAvailable(now: UInt64) -> Bool {
        healthy && (ejectedUntil == 0 || (ejectedUntil <= now && !probing))
    }
}
