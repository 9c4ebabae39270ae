extension Rollout {
    /// Flagger's `sessionAffinity` for a canary: while the canary takes part of the traffic, the proxy that splits a
    /// request sets `cookieName` on the response and honours it on the client's next requests, so a client stays
    /// on the version it first got (canary or stable) while the weights move. Promotion and rollback end it.
    public struct SessionAffinity: Sendable, Hashable, Codable {
        public var cookieName: String
        /// Seconds the browser keeps the cookie (Flagger's default: a day).
        public var maxAge: Int

        public init(cookieName: String, maxAge: Int = 86_400) {
            self.cookieName = cookieName
            self.maxAge = maxAge
        }
    }
}

extension Rollout.SessionAffinity {
    /// `sessionAffinity: {cookieName, maxAge}` (Flagger's shape; maxAge in seconds).
    init?(decoding reader: inout FieldReader) {
        let context = reader.context
        guard let node = reader.required("cookieName"), let name = context.nonEmptyString(node, reader.fieldPath("cookieName"))
        else {
            _ = reader.value("maxAge")
            return nil
        }
        // RFC 6265 §4.1.1: a cookie name is an RFC 9110 token.
        let separators = Set("()<>@,;:\\\"/[]?={} \t")
        if name.unicodeScalars.contains(where: { !$0.isASCII || $0.value < 0x21 || $0.value == 0x7f })
            || name.contains(where: separators.contains) {
            context.error(node.mark, reader.fieldPath("cookieName"), "must be a cookie name (letters, digits and !#$%&'*+-.^_`|~)")
        }
        let maxAge = reader.int("maxAge", 1...(400 * 86_400), default: 86_400)
        self.init(cookieName: name, maxAge: maxAge)
    }

    var canonical: CanonicalValue {
        .map([.init("cookieName", .string(cookieName)), .init("maxAge", .int(maxAge))])
    }
}
