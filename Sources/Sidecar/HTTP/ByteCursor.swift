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

    /// 16 lower-case hex digits, most significant first.
    @inline(__always)
    mutating func putHex(_ word: UInt64) {
        let digits = Self.hexDigits.utf8Start
        for k in 0..<16 {
            (base + offset + k).storeBytes(of: digits[Int((word >> UInt64(60 - 4 * k)) & 0xF)], as: UInt8.self)
        }
        offset += 16
    }
}
