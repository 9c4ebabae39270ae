extension RouteFilters {
    /// Status codes a redirect may answer with (Gateway API's enum).
    public static let redirectStatusCodes: Set<Int> = [301, 302, 303, 307, 308]

    /// Fields the proxy frames messages by or that concern one hop: a header modifier may not touch them, since a
    /// changed one would corrupt the exchange rather than change what the peer reads.
    public static let protectedHeaders: Set<String> = [
        "connection", "content-length", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
    ]

    /// An HTTP field name (RFC 9110 §5.1 token).
    public static func isFieldName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    /// A field value the proxy can write on one line: visible characters, spaces and tabs, no CR or LF.
    public static func isFieldValue(_ value: String) -> Bool {
        value.utf8.allSatisfy { $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }
    }

    func problems(path: String) -> [ConfigError.Problem] {
        var problems: [ConfigError.Problem] = []
        func fail(_ at: String, _ message: String) { problems.append(.init(path: at, message: message)) }
        for (key, edits) in [("requestHeaders", requestHeaders), ("responseHeaders", responseHeaders)] {
            guard let edits else { continue }
            for (list, fields) in [("set", edits.set), ("add", edits.add)] {
                for (i, field) in fields.enumerated() {
                    if !Self.isFieldName(field.name) { fail("\(path).\(key).\(list)[\(i)].name", "not a header name") }
                    if Self.protectedHeaders.contains(field.name.lowercased()) {
                        fail("\(path).\(key).\(list)[\(i)].name", "\"\(field.name)\" frames the message and may not be modified")
                    }
                    if !Self.isFieldValue(field.value) { fail("\(path).\(key).\(list)[\(i)].value", "must not contain CR, LF or controls") }
                }
            }
            for (i, name) in edits.remove.enumerated() where !Self.isFieldName(name) || Self.protectedHeaders.contains(name.lowercased()) {
                fail("\(path).\(key).remove[\(i)]", "\"\(name)\" may not be removed")
            }
        }
        if let rewrite {
            if let host = rewrite.hostname, !Self.isHostname(host) { fail("\(path).rewrite.hostname", "not a hostname") }
            if let replacement = rewrite.path { problems += replacement.problems(path: "\(path).rewrite.path") }
        }
        if let redirect {
            if let scheme = redirect.scheme, scheme != "http", scheme != "https" { fail("\(path).redirect.scheme", "must be http or https") }
            if let host = redirect.hostname, !Self.isHostname(host) { fail("\(path).redirect.hostname", "not a hostname") }
            if let port = redirect.port, !(1...65535).contains(port) { fail("\(path).redirect.port", "must be 1...65535") }
            if !Self.redirectStatusCodes.contains(redirect.statusCode) {
                fail("\(path).redirect.statusCode", "must be one of 301, 302, 303, 307, 308")
            }
            if let replacement = redirect.path { problems += replacement.problems(path: "\(path).redirect.path") }
        }
        if let limit = rateLimit { problems += limit.problems(path: "\(path).rateLimit") }
        return problems
    }

    /// A DNS name of letters, digits, `-` and `.` (Gateway API's PreciseHostname, any case).
    public static func isHostname(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 253 && name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.utf8.allSatisfy { $0 == UInt8(ascii: "-") || ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) }
        }
    }
}

extension RouteFilters.PathReplacement {
    func problems(path: String) -> [ConfigError.Problem] {
        var problems: [ConfigError.Problem] = []
        if (!value.hasPrefix("/") && !(type == .replacePrefixMatch && value.isEmpty)) || !RouteFilters.isFieldValue(value) || value.contains(" ") || value.contains("?") {
            problems.append(.init(path: "\(path).value", message: "must be an absolute path without spaces or a query"))
        }
        if type == .replacePrefixMatch, matchedPrefix == nil {
            problems.append(.init(path: "\(path).matchedPrefix", message: "needed for ReplacePrefixMatch"))
        }
        return problems
    }
}
