import NIOCore
import SidecarConfig

/// HTTPRoute filters carried out on HTTP/1 heads the proxy has already written (the upstream request head, the
/// client's response head): the head is read back as lines and written anew. Only requests whose rule has filters
/// come here, so the common path never pays for it.
enum RouteFilterEdits {
    /// A head as its start line and field lines (without CRLFs and the empty last line).
    struct Lines {
        var start: String
        var fields: [String]

        init(_ head: ByteBuffer) {
            let text = String(buffer: head)
            var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
            while lines.last == "" { lines.removeLast() }
            start = lines.first ?? ""
            fields = Array(lines.dropFirst())
        }

        /// The first value of a field, by lower-cased name.
        func value(_ name: String) -> String? {
            for line in fields where Self.name(line) == name {
                return line.firstIndex(of: ":").map { String(line[line.index(after: $0)...]).trimmingWhitespace } ?? ""
            }
            return nil
        }

        static func name(_ line: String) -> String {
            line.firstIndex(of: ":").map { line[..<$0].lowercased() } ?? line.lowercased()
        }

        /// Gateway API's order: remove, then set (replacing every field of the name), then add.
        mutating func apply(_ edits: RouteFilters.HeaderEdits) {
            let removed = Set(edits.remove.map { $0.lowercased() } + edits.set.map { $0.name.lowercased() })
            if !removed.isEmpty { fields.removeAll { removed.contains(Self.name($0)) } }
            for field in edits.set + edits.add { fields.append("\(field.name.lowercased()): \(field.value)") }
        }

        mutating func set(_ name: String, _ value: String) {
            apply(.init(set: [.init(name: name, value: value)]))
        }

        func written(allocator: ByteBufferAllocator) -> ByteBuffer {
            var out = allocator.buffer(capacity: start.utf8.count + fields.reduce(4) { $0 + $1.utf8.count + 2 })
            out.writeString(start)
            out.writeStaticString("\r\n")
            for line in fields {
                out.writeString(line)
                out.writeStaticString("\r\n")
            }
            out.writeStaticString("\r\n")
            return out
        }

        /// The request line's target split at `?` (origin-form, as the proxy writes it upstream).
        var target: (path: String, query: String) {
            let parts = start.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            let target = parts.count > 1 ? String(parts[1]) : "/"
            guard let mark = target.firstIndex(of: "?") else { return (target, "") }
            return (String(target[..<mark]), String(target[mark...]))
        }

        mutating func setTarget(_ target: String) {
            var parts = start.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3 else { return }
            parts[1] = target
            start = parts.joined(separator: " ")
        }
    }

    /// The upstream head with the rule's request header modifier and URL rewrite applied (header edits first, so a
    /// rewritten hostname is the Host the upstream sees).
    static func requestHead(_ head: ByteBuffer, filters: RouteFilters, allocator: ByteBufferAllocator) -> ByteBuffer {
        var lines = Lines(head)
        if let edits = filters.requestHeaders { lines.apply(edits) }
        if let rewrite = filters.rewrite {
            if let hostname = rewrite.hostname { lines.set("host", hostname) }
            if let replacement = rewrite.path {
                let target = lines.target
                lines.setTarget(replaced(target.path, replacement) + target.query)
            }
        }
        return lines.written(allocator: allocator)
    }

    static func responseHead(_ head: ByteBuffer, edits: RouteFilters.HeaderEdits, allocator: ByteBufferAllocator) -> ByteBuffer {
        var lines = Lines(head)
        lines.apply(edits)
        return lines.written(allocator: allocator)
    }

    /// A path with a ReplaceFullPath or ReplacePrefixMatch applied, as Gateway API's table has it: the prefix is
    /// replaced on path-element boundaries, and neither side's trailing `/` doubles one (`/foo/bar` with prefix
    /// `/foo` and replacement `/xyz/` is `/xyz/bar`; `/foo` with replacement `/` is `/`).
    static func replaced(_ path: String, _ replacement: RouteFilters.PathReplacement) -> String {
        switch replacement.type {
        case .replaceFullPath:
            return replacement.value
        case .replacePrefixMatch:
            let prefix = replacement.matchedPrefix ?? ""
            let rest = path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
            var value = replacement.value
            while value.hasSuffix("/") { value.removeLast() }
            let result = value + rest
            return result.hasPrefix("/") ? result : "/" + result
        }
    }

    /// The Location of a redirect: the request's URL with the redirect's parts replaced. Without a port the
    /// request's own is kept, unless the redirect names a scheme (then its well-known port, Gateway API);
    /// a well-known port is not written.
    static func location(_ redirect: RouteFilters.Redirect, requestHead lines: Lines) -> String {
        let scheme = redirect.scheme ?? "http"
        let authority = lines.value("host") ?? ""
        var requestHost = authority
        var requestPort: Int?
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            requestHost = String(authority[..<colon])
            requestPort = Int(authority[authority.index(after: colon)...])
        }
        let host = redirect.hostname ?? requestHost
        let port = redirect.port ?? (redirect.scheme == nil ? requestPort : nil)
        let wellKnown = scheme == "https" ? 443 : 80
        let target = lines.target
        let path = redirect.path.map { replaced(target.path, $0) } ?? target.path
        return "\(scheme)://\(host)\(port.map { $0 == wellKnown ? "" : ":\($0)" } ?? "")\(path)\(target.query)"
    }

    /// The proxy's redirect answer: no body.
    static func redirectResponse(status: Int, location: String, keepAlive: Bool, allocator: ByteBufferAllocator) -> ByteBuffer {
        var out = allocator.buffer(capacity: 128 + location.utf8.count)
        out.writeString("HTTP/1.1 \(status) \(reasonPhrase(status))\r\nlocation: \(location)\r\ncontent-length: 0\r\n")
        out.writeString("x-mesh-reason: redirect\r\n")
        if !keepAlive { out.writeStaticString("connection: close\r\n") }
        out.writeStaticString("\r\n")
        return out
    }

    static func reasonPhrase(_ status: Int) -> String {
        switch status {
        case 301: "Moved Permanently"
        case 303: "See Other"
        case 307: "Temporary Redirect"
        case 308: "Permanent Redirect"
        default: "Found"
        }
    }
}

extension String {
    fileprivate var trimmingWhitespace: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
