/// The static table of RFC 7541 Appendix A, and the encoder's look-up of a field in it.
enum HPACKStaticTable {
    /// Entries 1...61 (index 0 is not an entry: a decoder refuses it).
    static let entries: [(name: String, value: String)] = [
        ("", ""),
        (":authority", ""),  // 1
        (":method", "GET"),  // 2
        (":method", "POST"),  // 3
        (":path", "/"),  // 4
        (":path", "/index.html"),  // 5
        (":scheme", "http"),  // 6
        (":scheme", "https"),  // 7
        (":status", "200"),  // 8
        (":status", "204"),  // 9
        (":status", "206"),  // 10
        (":status", "304"),  // 11
        (":status", "400"),  // 12
        (":status", "404"),  // 13
        (":status", "500"),  // 14
        ("accept-charset", ""),  // 15
        ("accept-encoding", "gzip, deflate"),  // 16
        ("accept-language", ""),  // 17
        ("accept-ranges", ""),  // 18
        ("accept", ""),  // 19
        ("access-control-allow-origin", ""),  // 20
        ("age", ""),  // 21
        ("allow", ""),  // 22
        ("authorization", ""),  // 23
        ("cache-control", ""),  // 24
        ("content-disposition", ""),  // 25
        ("content-encoding", ""),  // 26
        ("content-language", ""),  // 27
        ("content-length", ""),  // 28
        ("content-location", ""),  // 29
        ("content-range", ""),  // 30
        ("content-type", ""),  // 31
        ("cookie", ""),  // 32
        ("date", ""),  // 33
        ("etag", ""),  // 34
        ("expect", ""),  // 35
        ("expires", ""),  // 36
        ("from", ""),  // 37
        ("host", ""),  // 38
        ("if-match", ""),  // 39
        ("if-modified-since", ""),  // 40
        ("if-none-match", ""),  // 41
        ("if-range", ""),  // 42
        ("if-unmodified-since", ""),  // 43
        ("last-modified", ""),  // 44
        ("link", ""),  // 45
        ("location", ""),  // 46
        ("max-forwards", ""),  // 47
        ("proxy-authenticate", ""),  // 48
        ("proxy-authorization", ""),  // 49
        ("range", ""),  // 50
        ("referer", ""),  // 51
        ("refresh", ""),  // 52
        ("retry-after", ""),  // 53
        ("server", ""),  // 54
        ("set-cookie", ""),  // 55
        ("strict-transport-security", ""),  // 56
        ("transfer-encoding", ""),  // 57
        ("user-agent", ""),  // 58
        ("vary", ""),  // 59
        ("via", ""),  // 60
        ("www-authenticate", ""),  // 61
    ]

    /// Names of each length (UTF-8 count) with the first index they have: a name is found by one array read and
    /// a compare or two, not a hash or a scan of 61 entries.
    private static let namesByLength: [[(name: String, index: Int)]] = {
        var byLength = [[(name: String, index: Int)]](repeating: [], count: 28)
        for index in 1..<entries.count where index == 1 || entries[index].name != entries[index - 1].name {
            byLength[entries[index].name.utf8.count].append((entries[index].name, index))
        }
        return byLength
    }()

    /// Where `name: value` is in the table: the index of the entry with both (`full`), else of the first entry with
    /// the name, else nil.
    static func find(name: String, value: String) -> (index: Int, full: Bool)? {
        let count = name.utf8.count
        guard count < namesByLength.count else { return nil }
        for candidate in namesByLength[count] where candidate.name == name {
            var index = candidate.index
            // The entries with a value (:method GET, :status 200, ...) follow the first one of their name.
            while index < entries.count, entries[index].name == name {
                if entries[index].value == value { return (index, true) }
                index += 1
            }
            return (candidate.index, false)
        }
        return nil
    }
}
