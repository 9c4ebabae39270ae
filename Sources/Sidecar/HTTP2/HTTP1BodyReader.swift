import NIOCore
import NIOHPACK

/// Reads an HTTP/1.1 body as HTTP/2 carries it: the payload (chunk sizes and extensions gone) and, for chunked
/// framing, the trailer section as fields. Used by both stream bridges, whichever way the body goes.
struct HTTP1BodyReader {
    private var framer: BodyFramer
    private var collectingTrailers = false
    private var trailerSection: ByteBuffer?

    init(_ framing: HTTPHead.BodyFraming) { framer = BodyFramer(framing) }

    var isDone: Bool { framer.isDone }
    var isUntilClose: Bool { framer.state == .untilClose }

    /// What one read of body bytes held.
    struct Piece {
        var payload: ByteBuffer?
        /// The body ended within these bytes.
        var done = false
        /// The trailer fields, at the end of a chunked body that had any.
        var trailers: HPACKHeaders?
    }

    /// Consumes the body bytes at the start of `bytes` (moving its reader index past them). `trailers`: the trailer
    /// section's fields when the caller has them already (it then is not parsed).
    mutating func read(
        _ bytes: inout ByteBuffer, allocator: ByteBufferAllocator, trailers known: HPACKHeaders? = nil
    ) throws(HTTPParseError) -> Piece {
        guard !framer.isDone, bytes.readableBytes > 0 else { return Piece(done: framer.isDone) }
        var sink = Ranges()
        var body = framer
        let consumed = try bytes.withUnsafeReadableBytes { (b) throws(HTTPParseError) -> Int in try body.consume(b, data: &sink) }
        framer = body
        var piece = Piece()
        if let range = sink.first {
            if sink.more.isEmpty {
                piece.payload = bytes.getSlice(at: bytes.readerIndex + range.lowerBound, length: range.count)
            } else {
                var joined = allocator.buffer(capacity: sink.more.reduce(range.count) { $0 + $1.count })
                bytes.withUnsafeReadableBytes { b in
                    joined.writeBytes(UnsafeRawBufferPointer(rebasing: b[range]))
                    for range in sink.more { joined.writeBytes(UnsafeRawBufferPointer(rebasing: b[range])) }
                }
                piece.payload = joined
            }
        }
        let trailerStart = sink.trailersStart ?? (collectingTrailers ? 0 : nil)
        if let trailerStart, trailerStart < consumed,
            var slice = bytes.getSlice(at: bytes.readerIndex + trailerStart, length: consumed - trailerStart)
        {
            collectingTrailers = true
            // The usual section (its blank line alone, in the read that ends the body) is looked at in place.
            if var section = trailerSection {
                section.writeBuffer(&slice)
                trailerSection = section
            } else {
                trailerSection = slice
            }
        }
        bytes.moveReaderIndex(forwardBy: consumed)
        piece.done = body.isDone
        // A section of its blank line only (the usual end of a chunked body) holds no fields.
        if piece.done, let section = trailerSection, section.readableBytes > 2 {
            let fields = known ?? HTTP2Heads.trailerFields(section)
            if !fields.isEmpty { piece.trailers = fields }
        }
        return piece
    }
}

/// Where the payload and the trailer section lie in the bytes a framer consumed. The first range is kept apart:
/// a read holds one (a whole small body) far more often than several, and then no array is made.
private struct Ranges: BodyDataSink {
    var first: Range<Int>?
    var more: [Range<Int>] = []
    var trailersStart: Int?

    mutating func payload(_ range: Range<Int>) {
        guard !range.isEmpty else { return }
        if first == nil { first = range } else { more.append(range) }
    }

    mutating func trailers(from index: Int) { trailersStart = index }
}
