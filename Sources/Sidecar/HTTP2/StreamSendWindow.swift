/// What one HTTP/2 stream of the proxy's may still send: the DATA bytes written against what the peer allowed (its
/// initial window and WINDOW_UPDATEs since). The stream is writable for its exchange while its connection is and
/// what was written fits, with one window of slack so a body keeps flowing while the next WINDOW_UPDATE travels
/// (the codec holds the excess: `HTTP2Codec`). Used by both stream bridges, whichever way the body goes.
struct StreamSendWindow {
    private var sent = 0
    private var allowance: Int
    private(set) var isWritable = true

    init(initial: Int) { allowance = initial }

    mutating func wrote(_ bytes: Int) { sent += bytes }

    /// The peer's window grew (WINDOW_UPDATE, or a new SETTINGS_INITIAL_WINDOW_SIZE; negative when it shrank).
    mutating func opened(by increment: Int) { allowance += increment }

    /// Recomputes writability; true when it changed (the exchange is then told `isWritable`).
    mutating func update(connectionWritable: Bool) -> Bool {
        let now = connectionWritable && sent <= allowance + HTTP2Server.streamWindow
        guard now != isWritable else { return false }
        isWritable = now
        return true
    }
}
