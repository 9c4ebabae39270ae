import NIOCore
import SidecarConfig

/// What the access log keeps of the request a connection is serving: its span, and the parts of the line known
/// when its head arrives (pre-encoded, because the head's bytes are gone by the time the response ends).
///
/// Lives in `DownstreamHandler`; its buffers are reused from request to request.
struct RequestTelemetry {
    /// A request began with the access log on and has not been logged yet.
    var active = false
    var trace = TraceContext()
    /// `"listener":"…","kind":"…",` for the connection's listener, made at its first request.
    var listenerField: ByteBuffer?
    /// `"request_id":"…",…,"path":"…",`: the fields known from the head.
    var requestFields = ByteBuffer()
    /// The service the request was routed to (for a split, the backend).
    var service: ServiceState?
    /// The endpoint of the last try.
    var upstream: EndpointState?
    /// Bytes carried each way by an opaque TCP connection, written as `bytes_up`/`bytes_down`; nil for a request.
    var connectionBytes: (up: Int, down: Int)?

    /// Records the head's fields and this hop's ids; `requestID` is the incoming `x-request-id` value's range, or
    /// nil when the proxy made `generated` up.
    mutating func begin(
        _ b: UnsafeRawBufferPointer, head: HTTPHead, trace: TraceContext, requestID: Range<Int>?,
        generated: (UInt64, UInt64), service: ServiceState?
    ) {
        active = true
        self.trace = trace
        self.service = service
        upstream = nil
        requestFields.clear()
        requestFields.writeStaticString("\"request_id\":\"")
        if let requestID {
            requestFields.writeJSONEscaped(UnsafeRawBufferPointer(rebasing: b[requestID]))
        } else {
            requestFields.writeUUID(generated.0, generated.1)
        }
        writeTraceIDs(trace)
        if trace.parentSpan != 0 {
            requestFields.writeStaticString("\",\"parent_span_id\":\"")
            requestFields.writeHex64(trace.parentSpan)
            requestFields.writeStaticString("\",\"method\":\"")
        } else {
            requestFields.writeStaticString("\",\"parent_span_id\":null,\"method\":\"")
        }
        requestFields.writeJSONEscaped(UnsafeRawBufferPointer(rebasing: b[0..<head.methodEnd]))
        requestFields.writeStaticString("\",\"authority\":")
        if head.authorityEnd > 0 {
            requestFields.writeInteger(UInt8(ascii: "\""))
            requestFields.writeJSONEscaped(UnsafeRawBufferPointer(rebasing: b[head.authorityStart..<head.authorityEnd]))
            requestFields.writeInteger(UInt8(ascii: "\""))
        } else if let host = head.hostField {
            requestFields.writeInteger(UInt8(ascii: "\""))
            let field = head.fields[host]
            requestFields.writeJSONEscaped(UnsafeRawBufferPointer(rebasing: b[field.valueStart..<field.valueEnd]))
            requestFields.writeInteger(UInt8(ascii: "\""))
        } else {
            requestFields.writeStaticString("null")
        }
        requestFields.writeStaticString(",\"path\":\"")
        requestFields.writeJSONEscaped(UnsafeRawBufferPointer(rebasing: b[head.targetStart..<head.targetEnd]))
        requestFields.writeStaticString("\",")
    }

    /// An opaque TCP connection's line: a span and an id of its own, `"method":"TCP"`, no authority, an empty path.
    mutating func beginConnection(trace: TraceContext, id: (UInt64, UInt64), service: ServiceState) {
        active = true
        self.trace = trace
        self.service = service
        upstream = nil
        connectionBytes = (0, 0)
        requestFields.clear()
        requestFields.writeStaticString("\"request_id\":\"")
        requestFields.writeUUID(id.0, id.1)
        writeTraceIDs(trace)
        requestFields.writeStaticString("\",\"parent_span_id\":null,\"method\":\"TCP\",\"authority\":null,\"path\":\"\",")
    }

    /// `","trace_id":"…","span_id":"…` after the request id.
    private mutating func writeTraceIDs(_ trace: TraceContext) {
        requestFields.writeStaticString("\",\"trace_id\":\"")
        requestFields.writeHex64(trace.traceHigh)
        requestFields.writeHex64(trace.traceLow)
        requestFields.writeStaticString("\",\"span_id\":\"")
        requestFields.writeHex64(trace.span)
    }

    /// The rest of the line, after the timestamp and proxy: everything known at the end.
    /// `peer`: the caller's verified SPIFFE ID on an mTLS connection, written as `"peer"` (absent for plaintext).
    func finishLine(into out: inout ByteBuffer, attempts: Int, status: Int, reason: String?, nanos: UInt64,
                    peer: String? = nil) {
        if let listenerField { out.writeImmutableBuffer(listenerField) }
        out.writeImmutableBuffer(requestFields)
        if let service {
            out.writeStaticString("\"service\":\"")
            out.writeJSONEscaped(service.name)
            out.writeStaticString("\",\"upstream\":")
        } else {
            out.writeStaticString("\"service\":null,\"upstream\":")
        }
        if let address = upstream?.address {
            out.writeInteger(UInt8(ascii: "\""))
            if address.host.utf8.contains(UInt8(ascii: ":")) {
                out.writeInteger(UInt8(ascii: "["))
                out.writeJSONEscaped(address.host)
                out.writeInteger(UInt8(ascii: "]"))
            } else {
                out.writeJSONEscaped(address.host)
            }
            out.writeInteger(UInt8(ascii: ":"))
            out.writeDecimal(address.port)
            out.writeInteger(UInt8(ascii: "\""))
        } else {
            out.writeStaticString("null")
        }
        out.writeStaticString(",\"attempts\":")
        out.writeDecimal(service == nil ? 0 : attempts)
        out.writeStaticString(",\"status\":")
        out.writeDecimal(status)
        out.writeStaticString(",\"duration_ms\":")
        out.writeMilliseconds(nanos: nanos)
        if let reason {
            out.writeStaticString(",\"reason\":\"")
            out.writeJSONEscaped(reason)
            out.writeInteger(UInt8(ascii: "\""))
        } else {
            out.writeStaticString(",\"reason\":null")
        }
        if let connectionBytes {
            out.writeStaticString(",\"bytes_up\":")
            out.writeDecimal(connectionBytes.up)
            out.writeStaticString(",\"bytes_down\":")
            out.writeDecimal(connectionBytes.down)
        }
        if let peer {
            out.writeStaticString(",\"peer\":\"")
            out.writeJSONEscaped(peer)
            out.writeInteger(UInt8(ascii: "\""))
        }
    }

    /// `"listener":"…","kind":"…",` for a listener.
    static func listenerField(name: String, kind: String) -> ByteBuffer {
        var field = ByteBuffer()
        field.writeStaticString("\"listener\":\"")
        field.writeJSONEscaped(name)
        field.writeStaticString("\",\"kind\":\"")
        field.writeJSONEscaped(kind)
        field.writeStaticString("\",")
        return field
    }
}
