import NIOHPACK

/// What one pass over an HTTP/2 header block found: its pseudo-fields and the few regular fields the stream bridges
/// act on, so they need not search the block again (`HPACKHeaders.first(name:)` compares every name, ignoring case).
struct HTTP2HeadFacts {
    var method: String?
    var scheme: String?
    var authority: String?
    var path: String?
    var status: String?
    /// The first `host` field (a request's authority when it has no `:authority`).
    var host: String?
    var contentType: String?
    var hasContentLength = false
    /// A request's content-length: what its DATA frames must add up to (RFC 9113 §8.1.1).
    var contentLength: Int?
    var grpcTimeout: String?
    var grpcStatus: String?
}

/// The field rules of RFC 9113 §8.2-§8.3 for a received header block, checked by the proxy itself rather than by
/// nio-http2 (which the proxy no longer runs: `HTTP2Codec` checks frames, not fields).
///
/// Why here: nio-http2 checked every block four times per proxied request (the request received and sent, the
/// response received and sent), as Substrings and String switches, ~8 % of the proxy's CPU samples under h2load. What
/// the proxy sends is made of fields it already checked on receipt, or of an HTTP/1.1 head its own parser checked
/// (token names, lower-cased; no controls in values), so the blocks it receives are the ones to check, once, and the
/// same pass collects what the bridges then read (`HTTP2HeadFacts`).
///
/// The rules nio-http2 applied, all kept: names are lower-case tokens; pseudo-fields come first, once each, only the
/// known ones for the block (`:method`, `:scheme`, `:path` required and `:authority` allowed in a request;
/// `:status` alone in a response; none in trailers), `:path` not empty, pseudo-field values without controls or
/// spaces; no connection-specific field (Connection, Keep-Alive, Proxy-Connection, Transfer-Encoding, Upgrade); TE
/// in a request only `trailers`; no CR, LF or NUL in any value; a request's content-length digits only. A block that
/// breaks one is malformed (§8.1.1): the bridge resets the stream with PROTOCOL_ERROR, as nio-http2 did.
enum HTTP2FieldRules {
    enum Block { case request, response, trailers }

    /// The facts of `headers`, or nil when the block is malformed as a `block`.
    static func check(_ headers: HPACKHeaders, as block: Block) -> HTTP2HeadFacts? {
        var facts = HTTP2HeadFacts()
        var inRegular = false
        var seenPseudo = 0
        for (name, value, _) in headers {
            let utf8 = name.utf8
            guard let first = utf8.first else { return nil }
            if first == UInt8(ascii: ":") {
                guard !inRegular, block != .trailers, isPseudoValue(value) else { return nil }
                let bit: Int
                switch name {
                case ":method" where block == .request: bit = 1; facts.method = value
                case ":scheme" where block == .request: bit = 2; facts.scheme = value
                case ":path" where block == .request && !value.isEmpty: bit = 4; facts.path = value
                case ":authority" where block == .request: bit = 8; facts.authority = value
                case ":status" where block == .response: bit = 16; facts.status = value
                default: return nil
                }
                guard seenPseudo & bit == 0 else { return nil }
                seenPseudo |= bit
                continue
            }
            inRegular = true
            guard isLowercaseToken(utf8), isFieldValue(value) else { return nil }
            // Told apart by length first: most names have none of the lengths checked below.
            switch utf8.count {
            case 2 where name == "te":
                if block == .request && value != "trailers" { return nil }
            case 4 where name == "host":
                if facts.host == nil { facts.host = value }
            case 7 where name == "upgrade": return nil
            case 10 where name == "connection" || name == "keep-alive": return nil
            case 11 where name == "grpc-status": facts.grpcStatus = value
            case 12 where name == "content-type": facts.contentType = value
            case 12 where name == "grpc-timeout": facts.grpcTimeout = value
            case 14 where name == "content-length":
                facts.hasContentLength = true
                if block == .request {
                    // Digits only, and the same value if repeated: anything else is malformed.
                    guard !value.isEmpty, value.utf8.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }), let length = Int(value),
                        facts.contentLength == nil || facts.contentLength == length
                    else { return nil }
                    facts.contentLength = length
                }
            case 16 where name == "proxy-connection": return nil
            case 17 where name == "transfer-encoding": return nil
            default: break
            }
        }
        switch block {
        case .request: return seenPseudo & 7 == 7 ? facts : nil
        case .response: return seenPseudo == 16 ? facts : nil
        case .trailers: return facts
        }
    }

    /// A field name as HTTP/2 carries it: a token (RFC 9110 §5.6.2) without upper-case letters.
    private static func isLowercaseToken(_ name: String.UTF8View) -> Bool {
        for c in name where !HTTPBytes.isToken(c) || (c &- UInt8(ascii: "A")) < 26 { return false }
        return true
    }

    /// RFC 9113 §8.2.1: no NUL, LF or CR anywhere in a value.
    private static func isFieldValue(_ value: String) -> Bool {
        for c in value.utf8 where c == 0x00 || c == 0x0A || c == 0x0D { return false }
        return true
    }

    /// A pseudo-field's value: no control character, space or DEL (it becomes part of a request line or status
    /// line), as nio-http2 requires.
    private static func isPseudoValue(_ value: String) -> Bool {
        for c in value.utf8 where c <= 0x20 || c == 0x7F { return false }
        return true
    }
}
