import NIOCore
import SidecarConfig

/// A `DownstreamHandler` serving one HTTP/2 stream (`DownstreamStreamBridge`) instead of a connection: what the
/// channel's events do for a connection, the stream's connection (`HTTP2ClientConnection`) calls here. The exchange
/// itself is the HTTP/1.1 one, unchanged; it ends the stream after its one response.
extension DownstreamHandler {
    /// What `channelActive` does for a connection.
    func beginStream(_ bridge: DownstreamStreamBridge, clientAddress: [UInt8], allocator: ByteBufferAllocator) {
        stream = bridge
        self.clientAddress = clientAddress
        self.allocator = allocator
        awaitingFirstBytes = false
        idleSince = LoopContext.now()
        let routes = loop.routes
        if loop.openConnections >= routes.limits.maxConnections {
            // Over the limit: refused at once (RST_STREAM CANCEL) rather than queued.
            bridge.reset()
            return
        }
        requestParser.limits = routes.parserLimits
        responseParser.limits = routes.parserLimits
        loop.register(self)
        if loop.draining { drain() }
    }

    /// The stream ended or was reset, from either side: what `channelInactive` does for a connection.
    func streamEnded() {
        clientGone()
        stream = nil
    }

    /// Ends the stream: after the response (its last frame then goes), or cut (`cut`: reset, nothing more of the
    /// response is sent and it must not look complete).
    func closeStream(cut: Bool) {
        guard let stream, !closing else { return }
        closing = true
        inExchange = false
        if cut { stream.reset() } else { stream.finish() }
    }
}
