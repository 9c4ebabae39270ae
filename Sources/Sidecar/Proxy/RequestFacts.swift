/// The request facts routing needs, as Strings, made only when a route needs them (gateway paths, split matches,
/// Host routing) so the quick path never allocates them.
struct RequestFacts {
    let method: String
    /// The target up to `?` (origin-form), or the path part of an absolute-form target.
    let path: String
    /// The target with its query (absolute-form: from the path on), for query parameter matches.
    let pathAndQuery: String
    /// Host without port, lower-cased.
    let host: String?
    private let fields: [(name: String, value: String)]

    init(bytes: UnsafeRawBufferPointer, head: HTTPHead, includeFields: Bool) {
        func string(_ start: Int, _ end: Int) -> String {
            String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
        method = string(0, head.methodEnd)
        var target = string(head.targetStart, head.targetEnd)
        let authority = head.authorityEnd > 0 ? string(head.authorityStart, head.authorityEnd) : nil
        if !target.hasPrefix("/"), let scheme = target.firstRange(of: "://") {
            // absolute-form: keep the path for routing; the target itself is forwarded unchanged.
            let rest = target[scheme.upperBound...]
            target = rest.firstIndex(of: "/").map { String(rest[$0...]) } ?? "/"
        }
        path = target.firstIndex(of: "?").map { String(target[..<$0]) } ?? target
        pathAndQuery = target
        // With an absolute-form target, its authority names the host and Host is ignored (RFC 9112 §3.2.2), as
        // the upstream will do: routing by Host instead would let the two disagree.
        let hostValue = authority ?? head.hostField.map { string(head.fields[$0].valueStart, head.fields[$0].valueEnd) }
        if var value = hostValue?.lowercased() {
            if value.hasPrefix("[") {
                if let close = value.firstIndex(of: "]") { value = String(value[...close]) }
            } else if let colon = value.lastIndex(of: ":") {
                value = String(value[..<colon])
            }
            host = value
        } else {
            host = nil
        }
        if includeFields {
            fields = head.fields.map { field in
                (string(field.lineStart, field.lineStart + field.nameLength).lowercased(),
                 string(field.valueStart, field.valueEnd))
            }
        } else {
            fields = []
        }
    }

    func header(_ lowercasedName: String) -> String? {
        fields.first { $0.name == lowercasedName }?.value
    }
}
