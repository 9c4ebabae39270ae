import SidecarConfig
import TrafficPolicy

extension HTTPRouteMatch {
    /// A configured match, compiled; methods compared upper-cased, as the configuration writes them. Validation
    /// refused patterns that do not compile, so nil never drops a valid match.
    static func compiled(_ match: RouteMatch) -> HTTPRouteMatch? {
        try? HTTPRouteMatch(
            pathRegex: match.pathRegex, methods: match.methods.map { $0.uppercased() }, headers: match.headers,
            queryParams: match.queryParams)
    }
}
