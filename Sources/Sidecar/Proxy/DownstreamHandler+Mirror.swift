import NIOCore
import TrafficPolicy

extension DownstreamHandler {
    /// Copies the request just routed to `mirror` for `percentage` percent of requests (HTTPRoute
    /// `RequestMirror`): the upstream head the proxy built, and the body when it is at hand whole (it arrived with
    /// the head) within `MirrorSender.maxBodyBytes`; otherwise the copy is shed and counted. Nothing here waits.
    func mirrorRequest(to mirror: ServiceState, percentage: Double) {
        guard Percentage.drawn(percentage, random: &loop.random), let upstreamHead else { return }
        var body: ByteBuffer?
        if let length = request.contentLength, length > 0 {
            guard length <= MirrorSender.maxBodyBytes, let pending, pending.readableBytes >= length else {
                loop.mirror.shed(to: mirror)
                return
            }
            body = pending.getSlice(at: pending.readerIndex, length: length)
        } else if request.chunked {
            loop.mirror.shed(to: mirror)
            return
        }
        loop.mirror.send(head: upstreamHead, body: body, to: mirror)
    }
}
