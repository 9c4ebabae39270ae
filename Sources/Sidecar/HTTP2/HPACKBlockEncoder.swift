import NIOCore
import NIOHPACK

/// Encodes header blocks (RFC 7541) in place of NIOHPACK's encoder, without a dynamic table: a field that is in the
/// static table whole is its index (`:method GET`, `:status 200`, ...), a name in the static table is its index and
/// the value a literal, anything else two literals; literals are not Huffman-coded. Fields marked never-indexed (a
/// client's choice for a secret, passed on) stay so (§6.2.3); the others go as literals without indexing (§6.2.2).
///
/// Why no dynamic table: NIOHPACK's encoder searched its whole table for every field it sent (and inserted nearly
/// every one), which cost more CPU than the bytes it saved between processes on the same machine. Never adding an
/// entry, the encoder never refers to one either, so the peer's SETTINGS_HEADER_TABLE_SIZE (whatever it is, 0
/// included) needs no size update: the peer's table simply stays empty.
enum HPACKBlockEncoder {
    /// Encodes the block into `out` in one write: its bound reserved first, then bytes stored through a pointer (a
    /// ByteBuffer write per byte was most of the encoder's time).
    static func encode(_ headers: HPACKHeaders, into out: inout ByteBuffer) {
        var bound = 0
        for (name, value, _) in headers { bound += name.utf8.count + value.utf8.count + fieldOverhead }
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { buffer in
            var writer = Writer(base: buffer.baseAddress!)
            for (name, value, indexing) in headers {
                writer.field(name: name, value: value, neverIndexed: indexing == .neverIndexed)
            }
            return writer.at
        }
    }

    /// The most bytes a field takes besides its name and value: its first byte, a name index (2 bytes at most) or
    /// a name length, and a value length (5 bytes each at most: lengths stay below 2^28).
    private static let fieldOverhead = 12

    /// An integer with an N-bit prefix (§5.1), `flags` in the first byte's other bits.
    static func integer(_ value: Int, prefix: Int, flags: UInt8, into out: inout ByteBuffer) {
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: 10) { buffer in
            var writer = Writer(base: buffer.baseAddress!)
            writer.integer(value, prefix: prefix, flags: flags)
            return writer.at
        }
    }

    private struct Writer {
        let base: UnsafeMutableRawPointer
        var at = 0

        init(base: UnsafeMutableRawPointer) { self.base = base }

        mutating func field(name: String, value: String, neverIndexed: Bool) {
            let literalPrefix: UInt8 = neverIndexed ? 0x10 : 0x00
            if let found = HPACKStaticTable.find(name: name, value: value) {
                if found.full && !neverIndexed {
                    integer(found.index, prefix: 7, flags: 0x80)
                    return
                }
                integer(found.index, prefix: 4, flags: literalPrefix)
            } else {
                byte(literalPrefix)
                string(name)
            }
            string(value)
        }

        mutating func byte(_ value: UInt8) {
            base.storeBytes(of: value, toByteOffset: at, as: UInt8.self)
            at += 1
        }

        mutating func integer(_ value: Int, prefix: Int, flags: UInt8) {
            let mask = (1 << prefix) - 1
            if value < mask {
                byte(flags | UInt8(value))
                return
            }
            byte(flags | UInt8(mask))
            var rest = value - mask
            while rest >= 0x80 {
                byte(UInt8(truncatingIfNeeded: rest & 0x7F | 0x80))
                rest >>= 7
            }
            byte(UInt8(rest))
        }

        /// A string literal without Huffman coding (§5.2).
        mutating func string(_ text: String) {
            var text = text
            text.withUTF8 { utf8 in
                integer(utf8.count, prefix: 7, flags: 0)
                if utf8.count > 0 { (base + at).copyMemory(from: utf8.baseAddress!, byteCount: utf8.count) }
                at += utf8.count
            }
        }
    }
}
