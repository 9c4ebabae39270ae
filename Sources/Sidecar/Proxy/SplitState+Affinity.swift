import SidecarConfig
import TrafficPolicy

extension SplitState {
    /// The backend for a request of this split, honouring session affinity when the split has it (a rollout's
    /// canary, Flagger's `sessionAffinity`): a client whose cookie pins a backend among `candidates` (nil: any of
    /// the split's) that can serve now gets it; otherwise `pick` chooses by weight and `setCookie` pins the client
    /// to that choice. Without affinity: `pick`, nothing to set.
    func sticky(_ request: RequestFacts?, among candidates: [ServiceState]?, now: UInt64,
                pick: () -> ServiceState?) -> (backend: ServiceState, setCookie: String?)? {
        guard let affinity, let request else { return pick().map { ($0, nil) } }
        let decision = affinity.decide(
            cookieHeader: request.header("cookie"),
            canServe: { index in
                let backend = backends[index]
                return (candidates?.contains { $0 === backend } ?? true) && backend.canServe(now: now)
            },
            pick: { pick().flatMap { chosen in backends.firstIndex { $0 === chosen } } })
        return decision.map { (backends[$0.backend], $0.setCookie) }
    }

    static func affinity(_ config: TrafficSplitConfig, backends: [ServiceState]) -> SessionAffinity? {
        config.sessionAffinity.map { affinity in
            SessionAffinity(cookieName: affinity.cookieName, maxAge: affinity.maxAge,
                            values: backends.map { affinity.values[$0.name] })
        }
    }
}

extension SplitRules.Options {
    /// `options` with a `Set-Cookie` field added to the response (a session affinity pin); unchanged without one.
    static func pinning(_ options: SplitRules.Options?, setCookie: String?) -> SplitRules.Options? {
        guard let setCookie else { return options }
        var filters = options?.filters ?? RouteFilters()
        var edits = filters.responseHeaders ?? RouteFilters.HeaderEdits()
        edits.add.append(.init(name: "set-cookie", value: setCookie))
        filters.responseHeaders = edits
        return .filtering(options, with: filters)
    }
}
