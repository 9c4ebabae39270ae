/// Request and status lines (RFC 9112 §3, §4): shared by the complete parse and the early check of an unfinished
/// head, so both always decide the same.
extension HTTPHeadParser {
    /// Returns the offset after the line, -1 when malformed, -2 when too long, -3 for an unsupported version.
    func parseRequestLine(_ b: UnsafeRawBufferPointer, end: Int, into head: inout HTTPHead) -> Int {
        var i = 0
        while i < end && HTTPBytes.isToken(b[i]) { i += 1 }
        guard i > 0, i < end, b[i] == 0x20 else { return -1 }
        head.methodEnd = i
        head.method = Self.method(b, length: i)
        i += 1
        head.targetStart = i
        while i < end, b[i] > 0x20, b[i] != 0x7F { i += 1 }
        guard i > head.targetStart, i < end, b[i] == 0x20 else { return -1 }
        head.targetEnd = i
        // absolute-form (origin-form starts with "/", the common case, and skips this).
        if b[head.targetStart] != 0x2F && !Self.findAuthority(b, into: &head) { return -1 }
        i += 1
        guard i + 10 <= end else { return -1 }
        guard let version = Self.version(b, at: i) else { return -1 }
        guard version.major == 1 else { return -3 }
        head.isHTTP11 = version.minor >= 1
        i += 8
        guard b[i] == 0x0D, b[i + 1] == 0x0A else { return -1 }
        if i > limits.maxStartLine { return -2 }
        return i + 2
    }

    func parseStatusLine(_ b: UnsafeRawBufferPointer, end: Int, into head: inout HTTPHead) -> Int {
        guard end >= 14, let version = Self.version(b, at: 0) else { return -1 }
        guard version.major == 1 else { return -3 }
        head.isHTTP11 = version.minor >= 1
        guard b[8] == 0x20 else { return -1 }
        var status = 0
        for j in 9..<12 {
            let c = b[j]
            guard c >= 0x30, c <= 0x39 else { return -1 }
            status = status * 10 + Int(c - 0x30)
        }
        guard status >= 100 else { return -1 }
        head.status = status
        var i = 12
        // reason-phrase = *( HTAB / SP / VCHAR / obs-text ); it may be empty, and then the space is optional.
        if b[i] == 0x20 {
            i += 1
            while i < end, HTTPBytes.isFieldValueByte(b[i]) { i += 1 }
        }
        guard i + 1 < end, b[i] == 0x0D, b[i + 1] == 0x0A else { return -1 }
        return i + 2
    }

    /// For an `http://` or `https://` target, records its authority (RFC 9112 §3.2.2), which must be a valid
    /// uri-host [":" port]: userinfo (`@`) or an empty host is refused (RFC 9110 §4.2.1, §4.2.4).
    static func findAuthority(_ b: UnsafeRawBufferPointer, into head: inout HTTPHead) -> Bool {
        var i = head.targetStart
        let end = head.targetEnd
        if end - i >= 7 && HTTPBytes.equalsLowercase(b, i, 7, "http://") {
            i += 7
        } else if end - i >= 8 && HTTPBytes.equalsLowercase(b, i, 8, "https://") {
            i += 8
        } else {
            return true  // asterisk-form, authority-form, other schemes: forwarded as they are
        }
        let start = i
        while i < end && b[i] != 0x2F && b[i] != 0x3F && b[i] != 0x23 {
            guard HTTPBytes.isHostByte(b[i]) else { return false }
            i += 1
        }
        guard i > start, b[start] != 0x3A else { return false }
        head.authorityStart = start
        head.authorityEnd = i
        return true
    }

    /// The caller makes sure eight bytes are there.
    @inline(__always)
    static func version(_ b: UnsafeRawBufferPointer, at i: Int) -> (major: Int, minor: Int)? {
        // "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3): the six fixed bytes in one compare (a byte at a
        // time, with the call, took ~48 instructions a head; callgrind session 17).
        let word = UInt64(littleEndian: b.loadUnaligned(fromByteOffset: i, as: UInt64.self))
        guard word & 0x00FF_00FF_FFFF_FFFF == 0x002E_002F_5054_5448 else { return nil }
        let major = UInt8(truncatingIfNeeded: word &>> 40)
        let minor = UInt8(truncatingIfNeeded: word &>> 56)
        guard (0x30...0x39).contains(major), (0x30...0x39).contains(minor) else { return nil }
        return (Int(major - 0x30), Int(minor - 0x30))
    }

    static func method(_ b: UnsafeRawBufferPointer, length: Int) -> HTTPHead.Method {
        switch length {
        case 3:
            if b[0] == 0x47 && b[1] == 0x45 && b[2] == 0x54 { return .get }
            if b[0] == 0x50 && b[1] == 0x55 && b[2] == 0x54 { return .put }
        case 4:
            if b[0] == 0x48 && b[1] == 0x45 && b[2] == 0x41 && b[3] == 0x44 { return .head }
            if b[0] == 0x50 && b[1] == 0x4F && b[2] == 0x53 && b[3] == 0x54 { return .post }
        case 5:
            // The admin endpoint's weight changes: no String made and compared for them.
            if b[0] == 0x50 && b[1] == 0x41 && b[2] == 0x54 && b[3] == 0x43 && b[4] == 0x48 { return .patch }
        default:
            break
        }
        switch String(decoding: UnsafeRawBufferPointer(rebasing: b[0..<length]), as: UTF8.self) {
        case "DELETE": return .delete
        case "OPTIONS": return .options
        case "TRACE": return .trace
        case "PATCH": return .patch
        case "CONNECT": return .connect
        default: return .other
        }
    }
}
