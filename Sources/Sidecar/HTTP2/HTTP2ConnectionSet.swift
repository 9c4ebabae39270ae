import NIOCore

/// A loop's HTTP/2 client connections, so that a drain can tell each to go away gracefully (GOAWAY, then close
/// once its streams are done; `HTTP2ServerCodec` carries it out). Their streams are
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
