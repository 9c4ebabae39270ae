import Manifests
import SidecarConfig

/// A canary's mirror route as the machine keeps it (Argo's `setMirrorRoute`): a name, the share of fitting requests
/// copied to the new side, and the matches in the sidecar's form (whole-value regexes), any one of which fits.
public struct RolloutMirrorRoute: Codable, Sendable, Hashable {
    public var name: String
    /// 0–100.
    public var percentage: Int
    /// Empty: the step removes the route of this name.
    public var matches: [RouteMatch]

    public init(name: String, percentage: Int, matches: [RouteMatch]) {
        self.name = name
        self.percentage = percentage
        self.matches = matches
    }

    /// Argo's `exact`, `prefix` and `regex` string matches as whole-value regexes; methods exactly.
    public init(_ route: Rollout.MirrorRoute) {
        let matches = route.match.enumerated().map { index, match in
            var headers: [String: String] = [:]
            for header in match.headers where headers[header.headerName] == nil {
                headers[header.headerName] = Self.regex(header.type, header.value)
            }
            return RouteMatch(name: "mirror-route/\(route.name) match[\(index)]",
                              pathRegex: match.path.map { Self.regex($0.type, $0.value) },
                              methods: match.method.map { [$0] } ?? [], headers: headers)
        }
        self.init(name: route.name, percentage: min(max(route.percentage, 0), 100), matches: matches)
    }

    static func regex(_ kind: Rollout.HeaderMatch.Kind, _ value: String) -> String {
        switch kind {
        case .exact: PreviewRouting.escaped(value)
        case .prefix: PreviewRouting.escaped(value) + ".*"
        case .regex: value
        }
    }

    /// What every proxy routing the split runs: each match copies `percentage` percent of its requests to `service`.
    public func splitMirrorRoutes(to service: String) -> [MirrorRoute] {
        matches.map { MirrorRoute(match: $0, service: service, percentage: Double(percentage)) }
    }
}
