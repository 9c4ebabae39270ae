/// The decoder's dynamic table (RFC 7541 §2.3.2, §4): entries newest first from index 62, each costing 32 bytes plus
/// its name's and value's lengths, the oldest evicted to keep within the size the peer's encoder chose.
///
/// Entries are kept as the Strings the decoder made of them, in a ring: a field that refers to one (a client's
/// `:authority` or `user-agent`, the same on every request) then costs a retain, not a new String from bytes.
struct HPACKDynamicTable {
    /// RFC 7541 §4.1: an entry's size is its name and value lengths plus 32.
    static let entryOverhead = 32

    private var ring: [(name: String, value: String)?]
    /// Where the oldest entry is, and how many there are.
    private var oldest = 0
    private(set) var count = 0
    /// The sum of the entries' sizes, and the most it may be (the last size update, or the protocol's maximum).
    private(set) var size = 0
    private(set) var maxSize: Int

    /// `maxSize`: the protocol's maximum (our SETTINGS_HEADER_TABLE_SIZE), which is also where the table starts.
    init(maxSize: Int) {
        self.maxSize = maxSize
        // No entry is smaller than 32 bytes: this many slots always suffice.
        ring = Array(repeating: nil, count: max(1, maxSize / Self.entryOverhead))
    }

    /// The entry `index` (1 the newest), or nil when there is none.
    func entry(_ index: Int) -> (name: String, value: String)? {
        guard index >= 1, index <= count else { return nil }
        return ring[(oldest + count - index) % ring.count]
    }

    /// Adds an entry (evicting the oldest ones as needed); one larger than the table empties it (§4.4).
    mutating func add(name: String, value: String) {
        let entrySize = Self.entryOverhead + name.utf8.count + value.utf8.count
        evict(toFit: maxSize - entrySize)
        guard entrySize <= maxSize else { return }
        ring[(oldest + count) % ring.count] = (name, value)
        count += 1
        size += entrySize
    }

    /// A dynamic table size update (§6.3), already checked against the protocol's maximum.
    mutating func resize(_ newMax: Int) {
        maxSize = newMax
        evict(toFit: newMax)
    }

    private mutating func evict(toFit limit: Int) {
        while size > max(limit, 0) || (limit < 0 && count > 0) {
            guard let entry = ring[oldest] else { break }
            size -= Self.entryOverhead + entry.name.utf8.count + entry.value.utf8.count
            ring[oldest] = nil
            oldest = (oldest + 1) % ring.count
            count -= 1
        }
    }
}
