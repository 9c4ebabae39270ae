/// Bytes copied to consecutive places of memory the caller has reserved (inside one
/// `ByteBuffer.writeWithUnsafeMutableBytes`): several small pieces for the cost of one write.
///
/// Why: each of NIO's `writeStaticString`/`writeBytes` checks uniqueness and capacity and goes through an
/// unspecialized `dropFirst`, ~150-200 instructions a call under callgrind (session 16), more than the copy.
struct ByteCursor {
    static let hexDigits: StaticString = "0123456789abcdef"

    let base: UnsafeMutableRawPointer
    private(set) var offset = 0

    init(_ base: UnsafeMutableRawPointer) { self.base = base }

    @inline(__always)
    mutating func put(_ string: StaticString) {
        (base + offset).copyMemory(from: string.utf8Start, byteCount: string.utf8CodeUnitCount)
        offset += string.utf8CodeUnitCount
    }

    @inline(__always)
    mutating func put(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress else { return }
        (base + offset).copyMemory(from: source, byteCount: bytes.count)
        offset += bytes.count
    }

    /// 16 lower-case hex digits, most significant first: eight at a time (each nibble spread into a byte, then
    /// made a digit in place), where a digit at a time took ~5 instructions (three ids a request, callgrind
    /// session 17).
    @inline(__always)
    mutating func putHex(_ word: UInt64) {
        (base + offset).storeBytes(of: Self.hexWord(UInt32(truncatingIfNeeded: word >> 32)), as: UInt64.self)
        (base + offset + 8).storeBytes(of: Self.hexWord(UInt32(truncatingIfNeeded: word)), as: UInt64.self)
        offset += 16
    }

    /// The eight hex digits of `half`, as the bytes of a word to store (the most significant digit first in memory).
    @inline(__always)
    static func hexWord(_ half: UInt32) -> UInt64 {
        var n = UInt64(half)
        // Nibble k (from the least significant) into byte k.
        n = (n | (n << 16)) & 0x0000_FFFF_0000_FFFF
        n = (n | (n << 8)) & 0x00FF_00FF_00FF_00FF
        n = (n | (n << 4)) & 0x0F0F_0F0F_0F0F_0F0F
        // 0-9 -> "0"-"9", 10-15 -> "a"-"f": a byte above 9 carries into its bit 4 once 6 is added (no byte overflows).
        let letters = ((n &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101
        let ascii = n &+ 0x3030_3030_3030_3030 &+ letters &* 39
        // The most significant digit is in the highest byte: first in memory in big-endian order.
        return ascii.bigEndian
    }
}
