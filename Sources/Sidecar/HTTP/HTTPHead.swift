/// Where one header field lies in the bytes of a parsed head (offsets from the head's first byte).
struct HTTPField {
    /// The first byte of the field line.
    var lineStart: Int
    var nameLength: Int
    /// The value without surrounding whitespace.
    var valueStart: Int
    var valueEnd: Int
    /// One past the line's LF.
    var lineEnd: Int
    /// Set for fields a proxy must not forward (RFC 9110 §7.6.1) and for those we rewrite.
    var kind: Kind

    enum Kind: UInt8 {
        case endToEnd
        case connection
        case keepAlive
        case proxyConnection
        case te
        case upgrade
        case contentLength
        case transferEncoding
        case host
        case xForwardedFor
        case traceparent
        /// Named by a `Connection` option, so hop-by-hop for this message.
        case nominated
    }
}

/// The framing-relevant facts of a request or response head, parsed by `HTTPHeadParser`.
///
/// The head's bytes are not copied: ranges point into the buffer the head was parsed from, so the proxy can forward
/// the original bytes and rewrite only what it must.
struct HTTPHead {
    enum BodyFraming: Equatable {
        case none
        case contentLength(Int)
        case chunked
        /// Responses only: the body ends when the upstream closes.
        case untilClose
    }

    /// Bytes from the first byte of the head through the blank line.
    var length = 0
    /// Request: method bytes `[0, methodEnd)`, target `[targetStart, targetEnd)`.
    var methodEnd = 0
    var targetStart = 0
    var targetEnd = 0
    /// An absolute-form `http(s)://` target's authority `[authorityStart, authorityEnd)`; 0, 0 when none.
    var authorityStart = 0
    var authorityEnd = 0
    /// Where the request/status line ends (one past its LF).
    var startLineEnd = 0
    /// Response: the status code.
    var status = 0
    var isHTTP11 = true
    var fields: [HTTPField] = []
    var contentLength: Int? = nil
    /// Content-Length came as a list or in several fields (all equal): it is forwarded as one clean field.
    var contentLengthRepeated = false
    var chunked = false
    /// A Transfer-Encoding field came (chunked or not).
    var hasTransferEncoding = false
    var connectionClose = false
    var connectionKeepAlive = false
    var connectionUpgrade = false
    var hostField: Int? = nil
    var hostCount = 0
    /// The (last) `Upgrade` field's index in `fields`.
    var upgradeField: Int? = nil
    /// Set by the proxy for a request whose upgrade it passes on: `Upgrade` is forwarded with `Connection: upgrade`.
    var forwardsUpgrade = false
    var hasTraceparent = false
    /// Any field other than `Connection: keep-alive` that must be dropped or rewritten when forwarding.
    var needsRewrite = false
    /// Known method facts, computed while parsing so the hot path does not compare strings again.
    var method: Method = .other

    enum Method: Equatable {
        case get, head, post, put, delete, options, trace, patch, connect, other
        /// RFC 9110 §9.2.2: safe methods plus PUT and DELETE.
        var isIdempotent: Bool {
            switch self {
            case .get, .head, .put, .delete, .options, .trace: true
            case .post, .patch, .connect, .other: false
            }
        }
    }

    /// Whether the connection may carry another message after this one (RFC 9112 §9.3).
    var keepAlive: Bool {
        if connectionClose { return false }
        return isHTTP11 || connectionKeepAlive
    }

    /// Clears for the next message, keeping the field array's storage (no allocation per request).
    mutating func reset() {
        // Taken off the end: the fields are plain values, and `removeAll(keepingCapacity:)` goes through a generic
        // `replaceSubrange` (~85 instructions a call under callgrind, session 17; a head has a few fields).
        while !fields.isEmpty { fields.removeLast() }
        length = 0
        methodEnd = 0
        targetStart = 0
        targetEnd = 0
        authorityStart = 0
        authorityEnd = 0
        startLineEnd = 0
        status = 0
        isHTTP11 = true
        contentLength = nil
        contentLengthRepeated = false
        chunked = false
        hasTransferEncoding = false
        connectionClose = false
        connectionKeepAlive = false
        connectionUpgrade = false
        hostField = nil
        hostCount = 0
        upgradeField = nil
        forwardsUpgrade = false
        hasTraceparent = false
        needsRewrite = false
        method = .other
    }
}
