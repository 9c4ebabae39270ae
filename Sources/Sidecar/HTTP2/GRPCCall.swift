import NIOHPACK

/// What the proxy knows of a gRPC call (a request with `content-type: application/grpc…`), read from its HTTP/2
/// headers by the stream bridge and used by the exchange (`DownstreamHandler`): the call's own deadline, and that
/// its status is in `grpc-status`, not in the HTTP status.
struct GRPCCall {
    /// The `grpc-timeout` the client set, in nanoseconds; 0 when none.
    var timeoutNanos: UInt64 = 0

    /// The call facts of a request's headers; nil when it is not gRPC.
    init?(_ facts: HTTP2HeadFacts) {
        guard let type = facts.contentType, type.hasPrefix("application/grpc") else { return nil }
        if let timeout = facts.grpcTimeout { timeoutNanos = Self.parseTimeout(timeout) ?? 0 }
    }

    init(timeoutNanos: UInt64) { self.timeoutNanos = timeoutNanos }

    /// `grpc-timeout` (gRPC over HTTP/2: at most 8 digits and a unit H, M, S, m, u, n) in nanoseconds.
    static func parseTimeout(_ text: String) -> UInt64? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8.count <= 9, let unit = utf8.last else { return nil }
        var value: UInt64 = 0
        for digit in utf8.dropLast() {
            guard digit >= 0x30 && digit <= 0x39 else { return nil }
            value = value * 10 + UInt64(digit - 0x30)
        }
        let scale: UInt64
        switch unit {
        case UInt8(ascii: "H"): scale = 3_600_000_000_000
        case UInt8(ascii: "M"): scale = 60_000_000_000
        case UInt8(ascii: "S"): scale = 1_000_000_000
        case UInt8(ascii: "m"): scale = 1_000_000
        case UInt8(ascii: "u"): scale = 1_000
        case UInt8(ascii: "n"): scale = 1
        default: return nil
        }
        let (product, overflow) = value.multipliedReportingOverflow(by: scale)
        return overflow ? UInt64.max : max(product, 1)
    }
}

/// gRPC status codes (grpc/doc/statuscodes.md) as the proxy needs them: reading `grpc-status`, and the status a
/// gRPC client gets when the proxy answers itself.
enum GRPCStatus {
    static let ok = 0
    static let cancelled = 1
    static let unknown = 2
    static let deadlineExceeded = 4
    static let resourceExhausted = 8
    static let unimplemented = 12
    static let `internal` = 13
    static let unavailable = 14

    /// The value of a `grpc-status` field, when it is one (0-16).
    static func parse(_ text: Substring) -> Int? {
        guard let value = Int(text), value >= 0 && value <= 16 else { return nil }
        return value
    }

    /// `grpc-status` in a head's bytes (a Trailers-Only response carries it in its only header block).
    static func find(in bytes: UnsafeRawBufferPointer, head: HTTPHead) -> Int? {
        for field in head.fields where field.nameLength == 11 {
            guard HTTPBytes.equalsLowercaseToken(bytes, field.lineStart, 11, "grpc-status") else { continue }
            let value = String(
                decoding: UnsafeRawBufferPointer(rebasing: bytes[field.valueStart..<field.valueEnd]), as: UTF8.self)
            return parse(Substring(value))
        }
        return nil
    }

    /// The status a gRPC client gets for an HTTP answer of the proxy's own (gRPC's HTTP-to-status mapping; a
    /// timeout is the deadline).
    static func forLocalAnswer(status: Int, reason: String) -> Int {
        if reason == "timeout" { return deadlineExceeded }
        switch status {
        case 400: return `internal`
        case 401: return 16
        case 403: return 7
        case 404: return unimplemented
        case 429, 502, 503, 504: return unavailable
        default: return unknown
        }
    }
}
