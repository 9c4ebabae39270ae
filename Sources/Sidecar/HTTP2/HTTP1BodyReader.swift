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
        if sink.ranges.count == 1, let range = sink.ranges.first {
            piece.payload = bytes.getSlice(at: bytes.readerIndex + range.lowerBound, length: range.count)
        } else if !sink.ranges.isEmpty {
            var joined = allocator.buffer(capacity: sink.ranges.reduce(0) { $0 + $1.count })
            bytes.withUnsafeReadableBytes { b in
                for range in sink.ranges { joined.writeBytes(UnsafeRawBufferPointer(rebasing: b[range])) }
            }
            piece.payload = joined
        }
        let trailerStart = sink.trailersStart ?? (collectingTrailers ? 0 : nil)
        if let trailerStart, trailerStart < consumed,
            var slice = bytes.getSlice(at: bytes.readerIndex + trailerStart, length: consumed - trailerStart)
        {
            collectingTrailers = true
            var section = trailerSection ?? allocator.buffer(capacity: 64)
            section.writeBuffer(&slice)
            trailerSection = section
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

/// Where the payload and the trailer section lie in the bytes a framer consumed.
private struct Ranges: BodyDataSink {
    var ranges: [Range<Int>] = []
    var trailersStart: Int?

    mutating func payload(_ range: Range<Int>) {
        if !range.isEmpty { ranges.append(range) }
    }

    mutating func trailers(from index: Int) { trailersStart = index }
}
