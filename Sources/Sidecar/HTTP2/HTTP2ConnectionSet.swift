import NIOCore
import NIOHTTP2

/// A loop's HTTP/2 client connections, so that a drain can tell each to go away gracefully (GOAWAY, then close
/// once its streams are done; `NIOHTTP2ServerConnectionManagementHandler` carries it out). Their streams are
/// exchanges the loop tracks like HTTP/1.1 connections (deadlines, drain).
///
/// Confined to the loop's thread.
final class HTTP2ConnectionSet {
    private var channels: [ObjectIdentifier: any Channel] = [:]
    private var quiescing = false

    var count: Int { channels.count }
    /// Called when the last connection closed (a drain waits for it: `LoopContext.finishDrainIfDone`).
    var onEmpty: (() -> Void)?

    func add(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        channels[key] = channel
        if quiescing { Self.quiesce(channel) }
        let box = NIOLoopBound(self, eventLoop: channel.eventLoop)
        channel.closeFuture.whenComplete { _ in
            let set = box.value
            set.channels[key] = nil
            if set.channels.isEmpty { set.onEmpty?() }
        }
    }

    /// GOAWAY to every connection (and to those that come later): clients open new streams elsewhere.
    func quiesceAll() {
        guard !quiescing else { return }
        quiescing = true
        for channel in channels.values { Self.quiesce(channel) }
    }

    /// The drain deadline passed: connections still open are closed now.
    func closeAll() {
        for channel in channels.values { channel.close(promise: nil) }
    }

    private static func quiesce(_ channel: any Channel) {
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
    }
}

/// Last in an HTTP/2 connection's pipeline: a protocol error (a malformed frame, a flood) was answered by
/// `NIOHTTP2Handler` with GOAWAY and its code (or, for one stream's error, RST_STREAM); the connection is then
/// closed, not left open for more of the same. nio-http2 reports both kinds alike, so a stream error closes the
/// connection too: only a misbehaving client sends one.
final class HTTP2ConnectionErrorHandler: ChannelInboundHandler {
    typealias InboundIn = HTTP2Frame

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A frame of ours (a WINDOW_UPDATE for data a stream just read) after a graceful GOAWAY's last stream closed:
        // nio-http2 drops it and the connection manager closes the connection once the last frames are flushed.
        // Closing here instead cut the last stream's final DATA frame (Tests/SidecarTests/HTTP2/HTTP2DrainTests.swift).
        if error is NIOHTTP2Errors.IOOnClosedConnection { return }
        context.close(promise: nil)
    }
}
