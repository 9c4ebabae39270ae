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
    static func encode(_ headers: HPACKHeaders, into out: inout ByteBuffer) {
        for (name, value, indexing) in headers {
            encode(name: name, value: value, neverIndexed: indexing == .neverIndexed, into: &out)
        }
    }

    static func encode(name: String, value: String, neverIndexed: Bool = false, into out: inout ByteBuffer) {
        let literalPrefix: UInt8 = neverIndexed ? 0x10 : 0x00
        if let found = HPACKStaticTable.find(name: name, value: value) {
            if found.full && !neverIndexed {
                integer(found.index, prefix: 7, flags: 0x80, into: &out)
                return
            }
            integer(found.index, prefix: 4, flags: literalPrefix, into: &out)
        } else {
            out.writeInteger(literalPrefix)
            string(name, into: &out)
        }
        string(value, into: &out)
    }

    /// An integer with an N-bit prefix (§5.1), `flags` in the first byte's other bits.
    static func integer(_ value: Int, prefix: Int, flags: UInt8, into out: inout ByteBuffer) {
        let mask = (1 << prefix) - 1
        if value < mask {
            out.writeInteger(flags | UInt8(value))
            return
        }
        out.writeInteger(flags | UInt8(mask))
        var rest = value - mask
        while rest >= 0x80 {
            out.writeInteger(UInt8(truncatingIfNeeded: rest & 0x7F | 0x80))
            rest >>= 7
        }
        out.writeInteger(UInt8(rest))
    }

    /// A string literal without Huffman coding (§5.2).
    private static func string(_ text: String, into out: inout ByteBuffer) {
        integer(text.utf8.count, prefix: 7, flags: 0, into: &out)
        out.writeString(text)
    }
}
