import NIOCore
import NIOHTTP2

/// `HTTP2Codec` in the client role, on the proxy's connections to endpoints (`HTTP2UpstreamPool`): what it adds is
/// opening streams. A stream opens with the HEADERS the handler writes on a new (odd, higher) ID; streams beyond the
/// server's SETTINGS_MAX_CONCURRENT_STREAMS wait in the codec, in the order of their IDs, until one ends; after the
/// server's GOAWAY, streams above its last stream ID end as refused.
///
/// Confined to the connection's event loop.
final class HTTP2UpstreamCodec: HTTP2Codec {
    /// The highest stream ID the handler wrote HEADERS on.
    private var lastAcceptedID: Int32 = 0

    init(limits: Limits, batch: WriteBatch?, allocator: ByteBufferAllocator) {
        super.init(
            limits: limits,
            settings: [
                (id: 2, value: 0),  // SETTINGS_ENABLE_PUSH
                (id: 6, value: UInt32(limits.maxHeaderListSize)),  // SETTINGS_MAX_HEADER_LIST_SIZE
                (id: 4, value: UInt32(limits.streamWindow)),  // SETTINGS_INITIAL_WINDOW_SIZE
            ],
            sendsMagic: true, batch: batch, allocator: allocator)
    }

    override func sendOnNewStream(_ id: Int32, _ headers: HTTP2Frame.FramePayload.Headers) {
        guard id > lastAcceptedID && id & 1 == 1 else { return }
        lastAcceptedID = id
        guard id <= goAwayLastID else {
            // After the server's GOAWAY: refused, as nio-http2 did, for the exchange to try elsewhere.
            ended.append(StreamClosedEvent(streamID: HTTP2StreamID(id), reason: .refusedStream))
            return
        }
        let index = addStream(id)
        // Opened at once only when no older stream is waiting, so streams open in the order of their IDs.
        if openedStreams < peerMaxStreams && openedStreams == index {
            markOpened(at: index)
            sendHeaders(headers, at: index)
        } else {
            hold(.headers(headers), at: index)
        }
    }

    /// The server takes no new streams, and processes none above its last stream ID: those end as refused (nothing of
    /// them was processed, so their exchanges may try again elsewhere).
    override func receivedGoAway(lastStreamID: Int32) {
        goAwayLastID = min(goAwayLastID, lastStreamID)
        while let index = streams.all.lastIndex(where: { $0.id > goAwayLastID }) {
            close(at: index, reason: .refusedStream)
        }
    }
}
