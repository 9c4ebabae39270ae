/// One HTTPRouteGroup match: a request matches when its path, method and headers all match. An absent part
/// matches anything.
///
/// Regular expressions are compiled once, here, and must match the whole value (SMI anchors them: `/api` does not
/// match `/api/v1`; write `/api/.*`). Syntax is Swift `Regex`, which accepts the usual PCRE/RE2-style patterns.
/// Common shapes (`/api/.*`, `true`, `.*Firefox.*`, `a|b`) are matched without the regex engine; see
/// `CompiledPattern`.
///
/// An immutable final class: the per-request path then retains one reference per match instead of copying
/// several arrays and strings.
public final class HTTPRouteMatch: Sendable {
    /// The path pattern as written, or nil for any path.
    public let pathRegex: String?
    /// Allowed methods, or nil for any method (SMI's `*`, or an empty list).
    public let methods: Set<String>?
    /// Header patterns as written: lowercased name → pattern.
    public let headers: [(name: String, pattern: String)]

    /// `methods` as an array: a linear scan of a few short strings beats hashing the method per request.
    private let methodList: [String]?
    private let compiledPath: CompiledPattern?
    private let compiledHeaders: [(name: String, regex: CompiledPattern)]
    /// Query parameter name (exact) → pattern over its first value; empty for none (HTTPRoute `queryParams`).
    private let compiledQuery: [(name: Substring, regex: CompiledPattern)]

    /// Compiles a match.
    /// - Parameters:
    ///   - pathRegex: pattern the request path (without query) must match entirely; nil for any path.
    ///   - methods: allowed methods, compared exactly (methods are case-sensitive); empty or containing `*`
    ///     for any.
    ///   - headers: header name (any case) → pattern the header's value must match entirely. A header that is
    ///     absent does not match, whatever the pattern.
    /// - Throws: `RouteMatchError` naming the field and pattern that does not compile.
    public init(
        pathRegex: String? = nil,
        methods: [String] = [],
        headers: [String: String] = [:],
        queryParams: [String: String] = [:]
    ) throws(RouteMatchError) {
        self.pathRegex = pathRegex
        self.methods = methods.isEmpty || methods.contains("*") ? nil : Set(methods)
        self.methodList = self.methods.map { Array($0) }
        if let pathRegex {
            compiledPath = try Self.compile(pathRegex, field: "pathRegex")
        } else {
            compiledPath = nil
        }
        // Sorted so that errors and evaluation order do not depend on dictionary order.
        let sorted = headers.map { (name: $0.key.lowercased(), pattern: $0.value) }.sorted { $0.name < $1.name }
        var compiled: [(name: String, regex: CompiledPattern)] = []
        for header in sorted {
            compiled.append((header.name, try Self.compile(header.pattern, field: "headers.\(header.name)")))
        }
        self.headers = sorted
        self.compiledHeaders = compiled
        var query: [(name: Substring, regex: CompiledPattern)] = []
        for (name, pattern) in queryParams.sorted(by: { $0.key < $1.key }) {
            query.append((name[...], try Self.compile(pattern, field: "queryParams.\(name)")))
        }
        self.compiledQuery = query
    }

    private static func compile(_ pattern: String, field: String) throws(RouteMatchError) -> CompiledPattern {
        do {
            return try CompiledPattern(pattern)
        } catch {
            throw RouteMatchError(field: field, pattern: pattern, message: "\(error)")
        }
    }

    /// Whether a request matches.
    /// - Parameters:
    ///   - method: the request method, e.g. `GET`.
    ///   - path: the request target; the path part (up to `?`) is matched by `pathRegex`, the query only by
    ///     `queryParams` (pass the target with its query when there are any).
    ///   - header: returns the value of the named header (the name is given lowercased; look it up
    ///     case-insensitively), or nil when absent. For a repeated header pass the first value, or the values
    ///     joined with ", " as RFC 9110 allows.
    public func matches(method: String, path: Substring, header: (String) -> String?) -> Bool {
        if let methodList, !methodList.contains(method) { return false }
        if let compiledPath {
            let query = path.utf8.firstIndex(of: UInt8(ascii: "?")) ?? path.endIndex
            guard compiledPath.matches(path[..<query]) else { return false }
        }
        for (name, regex) in compiledHeaders {
            guard let value = header(name), regex.matches(value[...]) else { return false }
        }
        for (name, regex) in compiledQuery {
            guard let value = Self.queryValue(name, in: path), regex.matches(value) else { return false }
        }
        return true
    }

    /// The first value of query parameter `name` in a target (`/p?a=1&b=2`), as written (not percent-decoded);
    /// nil when absent. A parameter without `=` has the empty value.
    static func queryValue(_ name: Substring, in target: Substring) -> Substring? {
        guard let mark = target.firstIndex(of: "?") else { return nil }
        for pair in target[target.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: true) {
            let equals = pair.firstIndex(of: "=") ?? pair.endIndex
            if pair[..<equals] == name { return equals == pair.endIndex ? "" : pair[pair.index(after: equals)...] }
        }
        return nil
    }

    /// `matches(method:path:header:)` for a `String` path. (Concrete overloads, not `some StringProtocol`: an
    /// unspecialised generic across the module boundary made every match several times slower.)
    public func matches(method: String, path: String, header: (String) -> String?) -> Bool {
        matches(method: method, path: path[...], header: header)
    }
}

/// A route pattern that does not compile.
public struct RouteMatchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which part: `pathRegex` or `headers.<name>`.
    public var field: String
    /// The pattern as written.
    public var pattern: String
    /// What the regex parser said.
    public var message: String

    /// `headers.x-user: invalid regular expression "(": …`
    public var description: String {
        "\(field): invalid regular expression \"\(pattern)\": \(message)"
    }
}
