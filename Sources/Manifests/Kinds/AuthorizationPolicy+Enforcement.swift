extension AuthorizationPolicy {
    /// The Services whose replicas' inbound sidecars enforce a policy that targets `service`: the Service itself
    /// and, when it is the root of a TrafficSplit or the parent of an HTTPRoute, every backend those send its
    /// requests to. A root usually runs nothing of its own (the split answers for it), so without its backends no
    /// sidecar would see the requests the policy is about. Splits and routes do not nest (validation), so one level
    /// is all there is. The one home of this decision: validation and the compiler both ask it.
    public static func enforcingServices(for service: String, splits: [TrafficSplit], routes: [HTTPRoute]) -> [String] {
        var result = [service]
        for split in splits where split.spec.service == service {
            result += split.spec.backends.map(\.service)
        }
        for route in routes where route.spec.parentRefs.contains(where: { $0.name == service }) {
            result += route.spec.rules.flatMap { $0.backendRefs.map(\.name) }
        }
        var seen = Set<String>()
        return result.filter { seen.insert($0).inserted }
    }
}
