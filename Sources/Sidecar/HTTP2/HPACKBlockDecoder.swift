import NIOCore
import NIOHPACK

/// Decodes HPACK header blocks (RFC 7541) into fields, in place of NIOHPACK's decoder: static-table names and values
/// are the table's String literals (no allocation), dynamic-table ones the Strings already made when they were added
/// (a retain), and a literal is one String made straight from the block's bytes (Huffman-coded ones decoded into the
/// String's own storage).
///
/// What it refuses, each a COMPRESSION_ERROR for the connection (RFC 9113 §4.3), as NIOHPACK's decoder did: a block
/// that ends inside a field, index 0 or one past the tables, an integer too large, bad Huffman code or padding, a
/// table size update past the maximum, after a field, or more than two in a block, and a header list larger than
/// `maxHeaderListSize` (each field counted as 32 bytes plus its name and value).
struct HPACKBlockDecoder {
    struct Invalid: Error {}

    /// The table size the proxy allows (SETTINGS_HEADER_TABLE_SIZE's default, as NIOHPACK's decoder allowed).
    static let defaultMaxTableSize = 4096
    /// An integer past this cannot be a length or index in a block within the proxy's limits: larger is an error
    /// (and it keeps the shifts below from overflowing).
    private static let maxInteger = 1 << 24

    private(set) var table: HPACKDynamicTable
    let maxHeaderListSize: Int
    /// The most a size update may set the table to: the protocol's maximum (§4.2).
    let maxTableSize: Int

    init(maxHeaderListSize: Int, maxTableSize: Int = HPACKBlockDecoder.defaultMaxTableSize) {
        self.maxHeaderListSize = maxHeaderListSize
        self.maxTableSize = maxTableSize
        table = HPACKDynamicTable(maxSize: maxTableSize)
    }

    mutating func decode(_ block: ByteBuffer) throws(Invalid) -> HPACKHeaders {
        let outcome = block.withUnsafeReadableBytes { (bytes) -> Result<HPACKHeaders, Invalid> in
            do { return .success(try decode(bytes)) } catch { return .failure(Invalid()) }
        }
        return try outcome.get()
    }

    mutating func decode(_ bytes: UnsafeRawBufferPointer) throws(Invalid) -> HPACKHeaders {
        var headers = HPACKHeaders()
        headers.reserveCapacity(12)
        var at = 0
        var listSize = 0
        var fields = 0
        var sizeUpdates = 0
        while at < bytes.count {
            let first = bytes[at]
            let name: String
            let value: String
            let indexing: HPACKIndexing
            if first & 0x80 != 0 {
                // Indexed field (§6.1).
                (name, value) = try field(at: integer(bytes, &at, prefix: 7))
                indexing = .indexable
            } else if first & 0xC0 == 0x40 {
                // Literal with incremental indexing (§6.2.1).
                name = try literalName(bytes, &at, prefix: 6)
                value = try string(bytes, &at)
                table.add(name: name, value: value)
                indexing = .indexable
            } else if first & 0xE0 == 0x20 {
                // Dynamic table size update (§6.3): only before the block's first field, at most two (§4.2).
                let newMax = try integer(bytes, &at, prefix: 5)
                sizeUpdates += 1
                guard fields == 0, sizeUpdates <= 2, newMax <= maxTableSize else { throw Invalid() }
                table.resize(newMax)
                continue
            } else {
                // Literal without indexing (0000) or never indexed (0001) (§6.2.2, §6.2.3).
                indexing = first & 0x10 == 0 ? .nonIndexable : .neverIndexed
                name = try literalName(bytes, &at, prefix: 4)
                value = try string(bytes, &at)
            }
            fields += 1
            listSize += HPACKDynamicTable.entryOverhead + name.utf8.count + value.utf8.count
            guard listSize <= maxHeaderListSize else { throw Invalid() }
            headers.add(name: name, value: value, indexing: indexing)
        }
        return headers
    }

    /// The field at `index` of the static table then the dynamic one (§2.3.3).
    private func field(at index: Int) throws(Invalid) -> (String, String) {
        if index < HPACKStaticTable.entries.count {
            guard index > 0 else { throw Invalid() }
            return HPACKStaticTable.entries[index]
        }
        guard let entry = table.entry(index - HPACKStaticTable.entries.count + 1) else { throw Invalid() }
        return entry
    }

    /// A literal field's name: indexed (the prefix integer not 0) or a string literal after the first byte.
    private func literalName(_ bytes: UnsafeRawBufferPointer, _ at: inout Int, prefix: Int) throws(Invalid) -> String {
        let index = try integer(bytes, &at, prefix: prefix)
        if index != 0 { return try field(at: index).0 }
        return try string(bytes, &at)
    }

    /// An integer with an N-bit prefix (§5.1), starting at `at`'s byte.
    private func integer(_ bytes: UnsafeRawBufferPointer, _ at: inout Int, prefix: Int) throws(Invalid) -> Int {
        guard at < bytes.count else { throw Invalid() }
        let mask = (1 << prefix) - 1
        var value = Int(bytes[at]) & mask
        at += 1
        guard value == mask else { return value }
        var shift = 0
        while true {
            guard at < bytes.count else { throw Invalid() }
            let byte = Int(bytes[at])
            at += 1
            value += (byte & 0x7F) << shift
            guard value <= Self.maxInteger else { throw Invalid() }
            if byte & 0x80 == 0 { return value }
            shift += 7
            // Continuation bytes of zeros add nothing: past 4 of them the encoding is padding, not a number.
            guard shift <= 28 else { throw Invalid() }
        }
    }

    /// A string literal (§5.2): its length with a 7-bit prefix after the Huffman bit, then its bytes.
    private func string(_ bytes: UnsafeRawBufferPointer, _ at: inout Int) throws(Invalid) -> String {
        guard at < bytes.count else { throw Invalid() }
        let huffman = bytes[at] & 0x80 != 0
        let length = try integer(bytes, &at, prefix: 7)
        guard length <= bytes.count - at else { throw Invalid() }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[at..<(at + length)])
        at += length
        guard huffman else { return String(decoding: raw, as: UTF8.self) }
        var failed = false
        let text = String(unsafeUninitializedCapacity: HPACKHuffman.maxDecodedLength(length)) { out in
            do {
                return try HPACKHuffman.decode(raw, into: out)
            } catch {
                failed = true
                return 0
            }
        }
        guard !failed else { throw Invalid() }
        return text
    }
}
