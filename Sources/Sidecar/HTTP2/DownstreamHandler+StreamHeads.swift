import NIOCore
import NIOHPACK

/// An HTTP/2 client's request head as the fields it came in, kept by its exchange so that an HTTP/2 upstream is
/// handed fields rather than a parse of the HTTP/1.1 head the exchange forwards.
struct StreamRequestHead {
    /// The client's fields, pseudo-fields included, as nio-http2 decoded them.
    var client: HPACKHeaders
    /// What `HTTP2FieldRules` found in them (pseudo-fields, host).
    var facts: HTTP2HeadFacts
    /// How many bytes at the start of the upstream head are the client's HTTP/1.1 head verbatim (its blank line
    /// left out); 0 when the exchange rewrote it (a route filter, an inherited traceparent, an X-Forwarded-For to
    /// extend), and the upstream bridge then parses the head as for any client.
    var verbatimLength = 0
}

/// Heads between an exchange and the HTTP/2 streams on either side of it, passed as fields when the exchange passes
/// them on unchanged. The exchange's rules stay where they are and work on the HTTP/1.1 form (`HeadWriter`,
/// `RouteFilterEdits`, the access log's trace fields): what they change or add is read from the bytes they wrote;
/// what they leave alone travels as the fields it already is. One parse and two String conversions per head less.
extension DownstreamHandler {
    /// Called once the upstream head is final (after route filters): notes whether it starts with `clientHead`
    /// (the client's HTTP/1.1 head without its blank line) byte for byte. Only for an HTTP/2 client's exchange.
    func noteVerbatimHead(_ clientHead: ByteBuffer) {
        guard streamRequest != nil else { return }
        let length = clientHead.readableBytes
        var same = false
        if let head = upstreamHead, head.readableBytes >= length + 2 {
            same = head.getSlice(at: head.readerIndex, length: length) == clientHead
        }
        streamRequest?.verbatimLength = same ? length : 0
    }

    /// The upstream head at the start of `bytes` as HTTP/2 fields, with its body's framing and its length in bytes,
    /// when `bytes` begin with this exchange's upstream head (it is written first and alone, `upstreamReady`: the
    /// same storage) and that head is the client's verbatim plus lines of the exchange's own; nil otherwise.
    func forwardedStreamHead(startOf bytes: ByteBuffer) -> (fields: HPACKHeaders, framing: HTTPHead.BodyFraming, length: Int)? {
        guard let streamRequest, streamRequest.verbatimLength > 0, let head = upstreamHead,
            bytes.readableBytes >= head.readableBytes
        else { return nil }
        let sameStorage = head.withUnsafeReadableBytes { h in bytes.withUnsafeReadableBytes { $0.baseAddress == h.baseAddress } }
        guard sameStorage else { return nil }
        let fields = head.withUnsafeReadableBytes { h in
            HTTP2Heads.forwardedRequest(
                streamRequest.client, facts: streamRequest.facts,
                addedLines: UnsafeRawBufferPointer(rebasing: h[streamRequest.verbatimLength..<(h.count - 2)]))
        }
        return (fields, request.requestFraming, head.readableBytes)
    }
}
