import Manifests
import SidecarConfig

/// A canary's header route as the machine keeps it: a name and whole-value regexes by lower-cased header name (the
/// sidecar's match form), so two routes compare and persist simply.
public struct RolloutHeaderRoute: Codable, Sendable, Hashable {
    public var name: String
    /// Empty: the step removes the route of this name.
    public var headers: [String: String]

    public init(name: String, headers: [String: String]) {
        self.name = name
        self.headers = headers
    }

    /// Argo's `exact`, `prefix` and `regex` header values as whole-value regexes.
    public init(_ route: Rollout.HeaderRoute) {
        var headers: [String: String] = [:]
        for match in route.match where headers[match.headerName] == nil {
            headers[match.headerName] = RolloutMirrorRoute.regex(match.type, match.value)
        }
        self.init(name: route.name, headers: headers)
    }

    /// The pinned route every proxy checks before the weights: matching requests go to `service` (the new side).
    public func pinnedRoute(to service: String) -> PinnedRoute {
        PinnedRoute(match: RouteMatch(name: "header-route/\(name)", headers: headers), service: service)
    }
}
