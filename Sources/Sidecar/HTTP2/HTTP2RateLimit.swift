import NIOCore

/// Whether events come more often than `maximumCount` within `window`: a connection's abuse bound (RST_STREAM or
/// control frames received, `HTTP2ServerCodec`), as nio-http2 counted them (a sliding window: more than
/// `maximumCount` events within any `window` is too many).
///
/// The times of the last `maximumCount` events are kept in a ring, allocated at the first event (most connections
/// never see one): the event that finds the oldest of them still within the window is one too many.
struct HTTP2RateLimit {
    let maximumCount: Int
    let window: TimeAmount
    private var times: [NIODeadline] = []
    /// Where the next event's time goes once the ring is full (the oldest's place).
    private var next = 0

    init(maximumCount: Int, window: TimeAmount) {
        self.maximumCount = maximumCount
        self.window = window
    }

    /// Records an event at `now`; true when it is one too many.
    mutating func record(at now: NIODeadline) -> Bool {
        if times.count < maximumCount {
            if times.isEmpty { times.reserveCapacity(maximumCount) }
            times.append(now)
            return false
        }
        let oldest = times[next]
        times[next] = now
        next = (next + 1) % maximumCount
        return now - oldest <= window
    }
}
