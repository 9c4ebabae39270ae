import NIOCore
import TrafficPolicy

/// A request copy whose body is still arriving: HTTP/1.1 clients often send a body after the head, or in more reads
/// than one. The body bytes, framed as the client sent them, are added as they go up to the primary, and the copy
/// leaves once the body is whole (`DownstreamHandler.captureMirrorBody`).
struct MirrorCapture {
    var head: ByteBuffer
    var body: ByteBuffer
    let service: ServiceState
}

extension DownstreamHandler {
    /// Copies the request just routed to `mirror` for `percentage` percent of requests (HTTPRoute
    /// `RequestMirror`): the upstream head the proxy built and the body, Content-Length or chunked, up to
    /// `MirrorSender.maxBodyBytes` as sent; a larger body is not copied (shed and counted). Nothing here waits: a
    /// body not yet at hand is gathered as it streams to the primary.
    func mirrorRequest(to mirror: ServiceState, percentage: Double) {
        // The previous request ended without its whole body going up (an abort, a local answer).
        dropMirrorCapture()
        guard Percentage.drawn(percentage, random: &loop.random), let upstreamHead else { return }
        if let length = request.contentLength, length > 0 {
            guard length <= MirrorSender.maxBodyBytes else {
                loop.mirror.shed(to: mirror)
                return
            }
            if let pending, pending.readableBytes >= length {
                loop.mirror.send(head: upstreamHead, body: pending.getSlice(at: pending.readerIndex, length: length), to: mirror)
            } else {
                mirrorCapture = MirrorCapture(head: upstreamHead, body: allocator.buffer(capacity: length), service: mirror)
            }
        } else if request.chunked {
            mirrorCapture = MirrorCapture(head: upstreamHead, body: allocator.buffer(capacity: 1024), service: mirror)
        } else {
            loop.mirror.send(head: upstreamHead, body: nil, to: mirror)
        }
    }

    /// A copy still waiting for its body when its request ends without that body (an abort, a local answer, the
    /// client gone mid-upload) is not sent: counted as shed, like any copy that could not be made.
    func dropMirrorCapture() {
        guard let unfinished = mirrorCapture else { return }
        mirrorCapture = nil
        loop.mirror.shed(to: unfinished.service)
    }

    /// Body bytes on their way up: added to the copy, which is handed over when the body is complete, or shed
    /// once it would pass the bound.
    func captureMirrorBody(_ bytes: ByteBuffer) {
        guard var capture = mirrorCapture else { return }
        mirrorCapture = nil
        guard capture.body.readableBytes + bytes.readableBytes <= MirrorSender.maxBodyBytes else {
            loop.mirror.shed(to: capture.service)
            return
        }
        var bytes = bytes
        capture.body.writeBuffer(&bytes)
        if requestFramer.isDone {
            loop.mirror.send(head: capture.head, body: capture.body, to: capture.service)
        } else {
            mirrorCapture = capture
        }
    }
}
