import Manifests
import SidecarConfig

extension HTTPRouteTranslation {
    /// A rule's filters for the proxy (nil: none). A ReplacePrefixMatch carries the PathPrefix it replaces (the
    /// rule's one match, validation made sure), without its trailing `/`, as Gateway API compares elements.
    /// `rateLimits`: the RateLimits there are, by name (an ExtensionRef filter names one).
    static func filters(_ filters: HTTPRoute.Filters, match: HTTPRoute.Match?,
                        rateLimits: [String: Service.RateLimit] = [:]) -> RouteFilters? {
        guard !filters.isEmpty else { return nil }
        func edits(_ modifier: HTTPRoute.HeaderModifier?) -> RouteFilters.HeaderEdits? {
            modifier.map { modifier in
                RouteFilters.HeaderEdits(
                    set: modifier.set.map { .init(name: $0.name, value: $0.value) },
                    add: modifier.add.map { .init(name: $0.name, value: $0.value) }, remove: modifier.remove)
            }
        }
        func path(_ modifier: HTTPRoute.PathModifier?) -> RouteFilters.PathReplacement? {
            guard let modifier else { return nil }
            switch modifier.type {
            case .replaceFullPath:
                return .init(type: .replaceFullPath, value: modifier.value)
            case .replacePrefixMatch:
                var prefix = match?.path.value ?? "/"
                while prefix.hasSuffix("/") { prefix.removeLast() }
                return .init(type: .replacePrefixMatch, value: modifier.value, matchedPrefix: prefix)
            }
        }
        return RouteFilters(
            requestHeaders: edits(filters.requestHeaders), responseHeaders: edits(filters.responseHeaders),
            rewrite: filters.rewrite.map { .init(hostname: $0.hostname, path: path($0.path)) },
            redirect: filters.redirect.map {
                .init(scheme: $0.scheme, hostname: $0.hostname, port: $0.port, path: path($0.path), statusCode: $0.statusCode)
            },
            rateLimit: filters.rateLimit.flatMap { rateLimits[$0] }.map {
                RateLimitConfig(requestsPerSecond: $0.requestsPerSecond, burst: $0.burst)
            })
    }
}
