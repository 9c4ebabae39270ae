/// A W3C trace context (`traceparent`, https://www.w3.org/TR/trace-context/) as numbers, for one hop.
///
/// Each proxy hop is a span of its own: a request that arrives with a valid traceparent makes this hop a child of
/// the sender's span (`parentSpan`); one without starts a new trace. The upstream is sent this hop's span id.
struct TraceContext: Equatable {
    var traceHigh: UInt64 = 0
    var traceLow: UInt64 = 0
    /// The span of the hop before (0 when this hop starts the trace).
    var parentSpan: UInt64 = 0
    var span: UInt64 = 0
    var flags: UInt8 = 1

    /// The incoming parts of a traceparent value: trace id, parent span id, flags. Nil when the value is invalid
    /// (then the hop starts a new trace, as the spec asks).
    static func parse(_ b: UnsafeRawBufferPointer, from start: Int, to end: Int) -> (high: UInt64, low: UInt64, span: UInt64, flags: UInt8)? {
        // version "-" trace-id "-" parent-id "-" flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55 bytes; later versions may
        // append fields after another "-".
        let length = end - start
        guard length >= 55 else { return nil }
        guard let version = hex(b, start, 2), version != 0xFF else { return nil }
        if version == 0 && length != 55 { return nil }
        if length > 55 && b[start + 55] != UInt8(ascii: "-") { return nil }
        let dash = UInt8(ascii: "-")
        guard b[start + 2] == dash, b[start + 35] == dash, b[start + 52] == dash,
            let high = hex(b, start + 3, 16), let low = hex(b, start + 19, 16),
            let span = hex(b, start + 36, 16), let flags = hex(b, start + 53, 2)
        else { return nil }
        if high == 0 && low == 0 { return nil }
        if span == 0 { return nil }
        return (high, low, span, UInt8(flags))
    }

    /// Lower-case hex only, as the spec requires.
    private static func hex(_ b: UnsafeRawBufferPointer, _ start: Int, _ count: Int) -> UInt64? {
        var value: UInt64 = 0
        for i in start..<(start + count) {
            let c = b[i]
            let digit: UInt8
            if c >= 0x30 && c <= 0x39 {
                digit = c - 0x30
            } else if c >= 0x61 && c <= 0x66 {
                digit = c - 0x61 + 10
            } else {
                return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }

    /// This hop's context: a child of `incoming` when there is one, else a new trace.
    static func hop(incoming: (high: UInt64, low: UInt64, span: UInt64, flags: UInt8)?, random: inout FastRandom)
        -> TraceContext
    {
        var context = TraceContext()
        if let incoming {
            context.traceHigh = incoming.high
            context.traceLow = incoming.low
            context.parentSpan = incoming.span
            context.flags = incoming.flags
        } else {
            context.traceHigh = random.next()
            context.traceLow = random.next() | 1  // an all-zero trace id is invalid
        }
        context.span = random.next() | 1  // so is an all-zero span id
        return context
    }
}
