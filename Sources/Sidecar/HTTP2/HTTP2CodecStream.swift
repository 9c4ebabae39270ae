import NIOHTTP2

/// What `HTTP2Codec` keeps of one stream: its flow-control windows both ways, which END_STREAMs passed, and
/// the frames it holds back (RFC 9113 §5.1, §5.2, §6.9).
///
/// Frames are held while the stream waits for a slot under the server's SETTINGS_MAX_CONCURRENT_STREAMS (its HEADERS
/// first), or while its DATA finds no window (the stream's or the connection's); what follows such a frame waits
/// behind it, so the stream's frames leave in the order they were written.
struct HTTP2CodecStream {
    let id: Int32
    /// What the stream may still send (the server's window for it).
    var sendWindow: Int
    /// What the server may still send on it (the proxy's window for it).
    var receiveWindow: Int
    /// Its HEADERS went out: it counts against the server's SETTINGS_MAX_CONCURRENT_STREAMS.
    var opened = false
    var sentEnd = false
    var receivedEnd = false
    var held: [HTTP2Frame.FramePayload] = []

    var isDone: Bool { sentEnd && receivedEnd }
}

/// A connection's streams in the order of their IDs, which is the order they were opened in: a new one is appended,
/// and one is found by binary search (a few dozen at most are open; no hashing per frame).
struct HTTP2CodecStreams {
    private(set) var all: [HTTP2CodecStream] = []

    var count: Int { all.count }

    var isEmpty: Bool { all.isEmpty }

    func index(of id: Int32) -> Int? {
        var low = 0
        var high = all.count
        while low < high {
            let middle = (low + high) / 2
            let found = all[middle].id
            if found == id { return middle }
            if found < id { low = middle + 1 } else { high = middle }
        }
        return nil
    }

    /// A stream whose ID is higher than every one before.
    mutating func append(_ stream: HTTP2CodecStream) { all.append(stream) }

    @discardableResult mutating func remove(at index: Int) -> HTTP2CodecStream { all.remove(at: index) }

    mutating func removeAll() { all.removeAll() }

    subscript(index: Int) -> HTTP2CodecStream {
        get { all[index] }
        _modify { yield &all[index] }
    }
}
