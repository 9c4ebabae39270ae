/// Byte classes and comparisons for HTTP/1.1 parsing (RFC 9110 §5.6.2, §5.5).
enum HTTPBytes {
    // Byte classes as two 64-bit masks (bytes 0-63, 64-127; nothing above 127 is in them): constants the compiler
    // folds in, where a lookup table costs a lazy-global check and a bounds check per byte on the hot path.

    /// tchar: the characters of a token (method, field name, coding): ALPHA, DIGIT and !#$%&'*+-.^_`|~
    @inline(__always)
    static func isToken(_ c: UInt8) -> Bool { inMask(c, low: 0x03FF_6CFA_0000_0000, high: 0x57FF_FFFF_C7FF_FFFE) }

    /// The characters of uri-host [":" port] (RFC 3986 reg-name, IP-literal, pct-encoded): ALPHA, DIGIT and
    /// -._~%!$&'()*+,;=:[]
    @inline(__always)
    static func isHostByte(_ c: UInt8) -> Bool { inMask(c, low: 0x2FFF_7FF2_0000_0000, high: 0x47FF_FFFE_AFFF_FFFE) }

    @inline(__always)
    private static func inMask(_ c: UInt8, low: UInt64, high: UInt64) -> Bool {
        if c < 64 { return (low >> UInt64(c)) & 1 != 0 }
        if c < 128 { return (high >> UInt64(c &- 64)) & 1 != 0 }
        return false
    }

    /// field-vchar, SP or HTAB; obs-text (0x80-0xFF) kept byte for byte. CR, LF, NUL and other controls are not.
    @inline(__always)
    static func isFieldValueByte(_ c: UInt8) -> Bool { c >= 0x20 ? c != 0x7F : c == 0x09 }

    /// Whether any of the eight bytes of `word` is a control byte (below 0x20: CR, LF, HTAB, NUL...) or DEL: the
    /// bytes `isFieldValueByte` refuses or must look at, tested together (exact, with no false positives: a
    /// borrow starts only at a byte that is below 0x20, and obs-text bytes, high bit set, are masked out).
    @inline(__always)
    static func hasControlOrDelete(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        let belowSpace = (word &- ones &* 0x20) & ~word & highBits
        let xorDelete = word ^ (ones &* 0x7F)
        let delete = (xorDelete &- ones) & ~xorDelete & highBits
        return (belowSpace | delete) != 0
    }

    @inline(__always)
    static func lower(_ c: UInt8) -> UInt8 { (c >= 0x41 && c <= 0x5A) ? c | 0x20 : c }

    /// Whether `length` bytes at `start` equal the lower-case ASCII `literal`, ignoring case.
    @inline(__always)
    static func equalsLowercase(_ b: UnsafeRawBufferPointer, _ start: Int, _ length: Int, _ literal: StaticString)
        -> Bool
    {
        guard literal.utf8CodeUnitCount == length else { return false }
        let l = literal.utf8Start
        for k in 0..<length where lower(b[start + k]) != l[k] { return false }
        return true
    }

    static func equalsCaseInsensitive(
        _ a: UnsafeRawBufferPointer, _ aStart: Int, _ b: UnsafeRawBufferPointer, _ bStart: Int, _ length: Int
    ) -> Bool {
        for k in 0..<length where lower(a[aStart + k]) != lower(b[bStart + k]) { return false }
        return true
    }

    /// Calls `body` with each comma-separated element of a list value, whitespace trimmed, empty ones skipped
    /// (RFC 9110 §5.6.1).
    @inline(__always)
    static func forEachToken(
        _ b: UnsafeRawBufferPointer, from start: Int, to end: Int, _ body: (_ start: Int, _ length: Int) -> Void
    ) {
        var i = start
        while i < end {
            while i < end && (b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x2C) { i += 1 }
            let tokenStart = i
            var tokenEnd = i
            while i < end && b[i] != 0x2C {
                if b[i] != 0x20 && b[i] != 0x09 { tokenEnd = i + 1 }
                i += 1
            }
            if tokenEnd > tokenStart { body(tokenStart, tokenEnd - tokenStart) }
        }
    }
}
