import NIOCore

/// The configuration holds `Swift.Duration`; the proxy's timers and its TrafficPolicy state machines count
/// nanoseconds. This is the one place that converts, at the edge.
extension Duration {
    /// Whole nanoseconds, clamped to `0...Int64.max` (NIO's `TimeAmount` range; the duration grammar stays inside it).
    var clampedNanoseconds: UInt64 {
        UInt64(Swift.max(0, TimeAmount(self).nanoseconds))
    }
}
