import NIOHTTP2

/// A connection handler's stream objects by stream ID (`HTTP2ClientConnection`, `HTTP2UpstreamConnection`), kept in
/// the order of their IDs, which is the order they opened in: a new one is appended, and one is found by binary search
/// over a flat array of IDs. A few dozen at most are open at a time, so this hashes nothing per frame (the dictionary
/// it replaced was ~3 % of the proxy's CPU under h2load).
struct HTTP2StreamTable<Stream: AnyObject> {
    private var ids: [Int32] = []
    private var streams: [Stream] = []

    var count: Int { ids.count }

    var isEmpty: Bool { ids.isEmpty }

    /// Every stream, in the order of their IDs.
    var all: [Stream] { streams }

    private func index(of id: Int32) -> Int? {
        var low = 0
        var high = ids.count
        while low < high {
            let middle = (low + high) >> 1
            let found = ids[middle]
            if found == id { return middle }
            if found < id { low = middle + 1 } else { high = middle }
        }
        return nil
    }

    subscript(id: HTTP2StreamID) -> Stream? {
        guard let index = index(of: Int32(id)) else { return nil }
        return streams[index]
    }

    /// A stream whose ID is higher than every one in the table.
    mutating func append(_ stream: Stream, id: HTTP2StreamID) {
        assert(ids.last.map { $0 < Int32(id) } ?? true, "stream IDs out of order")
        ids.append(Int32(id))
        streams.append(stream)
    }

    @discardableResult mutating func remove(_ id: HTTP2StreamID) -> Stream? {
        guard let index = index(of: Int32(id)) else { return nil }
        ids.remove(at: index)
        return streams.remove(at: index)
    }

    mutating func removeAll() {
        ids.removeAll()
        streams.removeAll()
    }
}
