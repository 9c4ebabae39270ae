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

    // Eight bytes at a time (SWAR): `word` is eight bytes loaded from memory; the results count bytes in memory order.

    /// How many of the eight bytes of `word`, from the first, are neither a control byte (below 0x20: CR, LF, HTAB,
    /// NUL...) nor DEL: the bytes `isFieldValueByte` refuses or must look at. Exact for the first such byte: a
    /// borrow starts only at a byte below 0x20 (or at DEL in the second test), so no byte before it is flagged,
    /// and obs-text bytes (high bit set) are masked out.
    @inline(__always)
    static func leadingValueBytes(_ word: UInt64) -> Int {
        let highBits = ones &* 0x80
        let w = UInt64(littleEndian: word)
        let belowSpace = (w &- ones &* 0x20) & ~w & highBits
        let xorDelete = w ^ (ones &* 0x7F)
        let delete = (xorDelete &- ones) & ~xorDelete & highBits
        return (belowSpace | delete).trailingZeroBitCount &>> 3
    }

    /// How many of the eight bytes of `word`, from the first, are letters, digits or "-": the bytes of nearly every
    /// field name, classified together where `isToken` takes ~9 instructions a byte.
    @inline(__always)
    static func leadingNameBytes(_ word: UInt64) -> Int {
        let w = UInt64(littleEndian: word)
        return leading(letterDigitOrDash(w), of: w)
    }

    /// How many of the eight bytes of `word`, from the first, are letters, digits, "-", "." or ":": the bytes of
    /// nearly every Host value (a name or an IPv4 address, and a port).
    @inline(__always)
    static func leadingHostBytes(_ word: UInt64) -> Int {
        let w = UInt64(littleEndian: word)
        let low = w & ~(ones &* 0x80)
        return leading(letterDigitOrDash(w) | equal(low, 0x2E) | equal(low, 0x3A), of: w)
    }

    // Each test below sets the high bit of each byte it holds for; the others' bits are garbage. Exact for every
    // byte: the high bits are cleared first, so every sum stays under 0x100 within its byte and nothing carries.
    @inline(__always) private static var ones: UInt64 { 0x0101_0101_0101_0101 }

    @inline(__always)
    private static func letterDigitOrDash(_ w: UInt64) -> UInt64 {
        let low = w & ~(ones &* 0x80)
        let folded = low | (ones &* 0x20)  // A-Z to a-z; nothing else lands in a-z
        let letter = (folded &+ ones &* (0x80 - 0x61)) & ~(folded &+ ones &* (0x80 - 0x7B))
        let digit = (low &+ ones &* (0x80 - 0x30)) & ~(low &+ ones &* (0x80 - 0x3A))
        return letter | digit | equal(low, 0x2D)
    }

    /// `low`: bytes below 0x80.
    @inline(__always)
    private static func equal(_ low: UInt64, _ byte: UInt8) -> UInt64 { ~((low ^ (ones &* UInt64(byte))) &+ ones &* 0x7F) }

    /// The count of bytes from the first that `inClass` holds for (high bit set) and are below 0x80.
    @inline(__always)
    private static func leading(_ inClass: UInt64, of w: UInt64) -> Int {
        ((~inClass | w) & (ones &* 0x80)).trailingZeroBitCount &>> 3
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

    /// Whether the `length` bytes at `start`, bytes of a parsed field name or value, equal `literal` (lower-case
    /// letters and "-" only), ignoring case: compared a word at a time with 0x20 set in every byte. Exact for such
    /// bytes: the only bytes 0x20 turns into a lower-case letter are it and its upper case, and the only other one
    /// it turns into "-" is CR, which no name or value holds.
    @inline(__always)
    static func equalsLowercaseToken(
        _ b: UnsafeRawBufferPointer, _ start: Int, _ length: Int, _ literal: StaticString
    ) -> Bool {
        guard literal.utf8CodeUnitCount == length, let base = b.baseAddress else { return false }
        let name = base + start
        let text = UnsafeRawPointer(literal.utf8Start)
        @inline(__always)
        func same<T: FixedWidthInteger>(_: T.Type, at k: Int) -> Bool {
            let lower = T(truncatingIfNeeded: 0x2020_2020_2020_2020 as UInt64)
            return name.loadUnaligned(fromByteOffset: k, as: T.self) | lower == text.loadUnaligned(fromByteOffset: k, as: T.self)
        }
        // Overlapping loads cover any length with words of one width.
        switch length {
        case 0: return true
        case 1: return same(UInt8.self, at: 0)
        case 2...3: return same(UInt16.self, at: 0) && same(UInt16.self, at: length - 2)
        case 4...7: return same(UInt32.self, at: 0) && same(UInt32.self, at: length - 4)
        default:
            var k = 0
            while k &+ 8 < length {
                guard same(UInt64.self, at: k) else { return false }
                k &+= 8
            }
            return same(UInt64.self, at: length - 8)
        }
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
