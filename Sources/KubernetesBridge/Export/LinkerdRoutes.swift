import Manifests

/// AuthorizationPolicy rules with methods or paths ↔ Linkerd `policy.linkerd.io` HTTPRoute matches (pure: no context).
///
/// A rule becomes one HTTPRoute whose matches are every path × method it names (a rule without paths has matches
/// without a path, which Gateway API reads as `PathPrefix /`); its callers are an AuthorizationPolicy targeting that route. Linkerd serves a request by the one
/// route it matches best (Gateway API precedence), so two rules whose matches can meet one request would authorize
/// only one rule's callers there: such policies are not mapped (`conflict`).
enum LinkerdRoutes {
    static let version = "policy.linkerd.io/v1beta3"
    /// Gateway API's HTTP methods, the only ones an HTTPRoute can match.
    static let methods: Set<String> = ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"]
    /// An HTTPRoute rule holds at most 8 matches, a route 16 rules.
    static let matchesPerRule = 8
    static let maxMatches = 8 * 16

    enum Path: Hashable {
        /// No path written (a rule of methods only): the match has no `path`, which Gateway API reads as `PathPrefix /`.
        case any
        case exact(String)
        /// Gateway API's `PathPrefix`, element-wise: `/api/` matches `/api`, `/api/` and `/api/x`.
        case prefix(String)

        /// meshctl's `/api/*` (any path starting `/api/`) is `PathPrefix /api/`, which also matches `/api` itself;
        /// a prefix ending inside a path segment (`/ap*`) has no PathPrefix: nil.
        init?(meshctl pattern: String) {
            guard pattern.hasSuffix("*") else {
                self = .exact(pattern)
                return
            }
            let prefix = String(pattern.dropLast())
            guard prefix.hasSuffix("/") else { return nil }
            self = .prefix(prefix)
        }

        var meshctl: [String] {
            switch self {
            case .any: return []
            case .exact(let path): return [path]
            // A foreign `PathPrefix /api` is `/api` and everything under it.
            case .prefix(let prefix): return prefix.hasSuffix("/") ? [prefix + "*"] : [prefix, prefix + "/*"]
            }
        }

        /// The path with its trailing slash dropped, as Gateway API compares prefixes element by element.
        private var trimmed: String {
            switch self {
            case .any: return "/"
            case .exact(let path): return path
            case .prefix(let prefix): return prefix.count > 1 && prefix.hasSuffix("/") ? String(prefix.dropLast()) : prefix
            }
        }

        func covers(_ path: String) -> Bool {
            switch self {
            case .any: return true
            case .exact(let exact): return exact == path
            case .prefix:
                let base = trimmed
                return base == "/" || path == base || path.hasPrefix(base + "/")
            }
        }

        /// Whether some request path matches both.
        func overlaps(_ other: Path) -> Bool {
            switch (self, other) {
            case (.any, _), (_, .any): return true
            case (.exact(let a), _): return other.covers(a)
            case (_, .exact(let b)): return covers(b)
            case (.prefix, .prefix): return covers(other.trimmed) || other.covers(trimmed)
            }
        }

        var canonical: CanonicalValue? {
            switch self {
            case .any: return nil
            case .exact(let path): return .object([("type", .string("Exact")), ("value", .string(path))])
            case .prefix(let prefix): return .object([("type", .string("PathPrefix")), ("value", .string(prefix))])
            }
        }
    }

    struct Match: Hashable {
        var path: Path
        var method: String?

        func overlaps(_ other: Match) -> Bool {
            (method == nil || other.method == nil || method == other.method) && path.overlaps(other.path)
        }

        var canonical: CanonicalValue {
            .object([("path", path.canonical), ("method", method.map { .string($0) })])
        }
    }

    /// The matches of a rule, or why it has none (a method Gateway API lacks, a prefix inside a segment).
    static func matches(methods: [String], paths: [String]) -> Result<[Match], Reason> {
        if let method = methods.first(where: { !Self.methods.contains($0) }) {
            return .failure(Reason("an HTTPRoute matches Gateway API's methods only, not \"\(method)\""))
        }
        var routePaths: [Path] = []
        for pattern in paths {
            guard let path = Path(meshctl: pattern) else {
                return .failure(Reason("an HTTPRoute path prefix ends at a \"/\", not inside a segment as \"\(pattern)\" does"))
            }
            routePaths.append(path)
        }
        if routePaths.isEmpty { routePaths = [.any] }
        let optionalMethods: [String?] = methods.isEmpty ? [nil] : methods
        let all = routePaths.flatMap { path in optionalMethods.map { Match(path: path, method: $0) } }
        guard all.count <= maxMatches else {
            return .failure(Reason("\(all.count) path × method matches are more than one HTTPRoute holds (\(maxMatches))"))
        }
        return .success(all)
    }

    /// The first two rules (by index) whose matches meet and whose callers differ, if any.
    static func conflict(_ rules: [(matches: [Match], callers: [String])]) -> (Int, Int)? {
        for i in rules.indices {
            for j in rules.indices where j > i && Set(rules[i].callers) != Set(rules[j].callers) {
                if rules[i].matches.contains(where: { a in rules[j].matches.contains { a.overlaps($0) } }) { return (i, j) }
            }
        }
        return nil
    }

    /// An HTTPRoute's `rules` for these matches, 8 to a rule.
    static func routeRules(_ matches: [Match]) -> CanonicalValue {
        .list(stride(from: 0, to: matches.count, by: matchesPerRule).map { start in
            .object([("matches", .list(matches[start..<min(start + matchesPerRule, matches.count)].map(\.canonical)))])
        })
    }

    /// The matches of an HTTPRoute's rules (omitted path: any, omitted type: PathPrefix); nil when one
    /// uses what meshctl cannot say (headers, query parameters, regular expressions).
    static func readMatches(_ route: CanonicalValue) -> [Match]? {
        var out: [Match] = []
        for rule in route.at("spec")?["rules"]?.listValue ?? [] {
            let matches = rule["matches"]?.listValue ?? [.object([])]
            for match in matches {
                guard match["headers"] == nil, match["queryParams"] == nil else { return nil }
                let value = match.at("path.value")?.stringValue ?? "/"
                let path: Path
                switch match["path"] == nil ? nil : match.at("path.type")?.stringValue ?? "PathPrefix" {
                case nil: path = .any
                case "Exact": path = .exact(value)
                case "PathPrefix": path = .prefix(value)
                default: return nil
                }
                out.append(Match(path: path, method: match["method"]?.stringValue))
            }
        }
        return out
    }

    /// Matches → meshctl `to` fields: one rule's methods and paths when the matches are exactly their cross
    /// product (what export writes), else one (methods, paths) per match.
    static func meshctlRules(_ matches: [Match]) -> [(methods: [String], paths: [String])] {
        var methods: [String] = []
        var paths: [Path] = []
        for match in matches {
            if let method = match.method, !methods.contains(method) { methods.append(method) }
            if !paths.contains(match.path) { paths.append(match.path) }
        }
        let product = Set(paths.flatMap { path in (methods.isEmpty ? [nil] : methods.map { Optional($0) }).map { Match(path: path, method: $0) } })
        let meshPaths = { (paths: [Path]) in paths.flatMap(\.meshctl) }
        if product == Set(matches) && product.count == matches.count {
            return [(methods, meshPaths(paths))]
        }
        return matches.map { ($0.method.map { [$0] } ?? [], meshPaths([$0.path])) }
    }

    struct Reason: Error {
        var text: String
        init(_ text: String) { self.text = text }
    }
}
