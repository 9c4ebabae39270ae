import MeshIdentity
import NIOCore
import SidecarConfig

/// The access log's hooks in the request path; each is one call from `DownstreamHandler`, and costs nothing but a
/// nil check while the access log is off.
extension DownstreamHandler {
    /// Writes the head for the upstream. With the access log on, this hop becomes a span: the incoming
    /// `traceparent` (if valid) is its parent and is replaced by one carrying this hop's span id, and a request
    /// without `x-request-id` gets one. Off, `traceparent` passes unchanged (created only when missing).
    func writeUpstreamHead(
        _ bytes: UnsafeRawBufferPointer, service: ServiceState?, hostForHTTP10: String, into head: inout ByteBuffer
    ) {
        guard loop.accessLog != nil else {
            HeadWriter.requestHead(
                bytes, head: &request, clientAddress: clientAddress, random: &loop.random, hostForHTTP10: hostForHTTP10,
                into: &head)
            return
        }
        var incoming: (high: UInt64, low: UInt64, span: UInt64, flags: UInt8)? = nil
        var sawTraceparent = false
        var requestID: Range<Int>? = nil
        for index in request.fields.indices {
            let field = request.fields[index]
            if field.kind == .traceparent {
                if !sawTraceparent { incoming = TraceContext.parse(bytes, from: field.valueStart, to: field.valueEnd) }
                sawTraceparent = true
                // Dropped like a hop-by-hop field: this hop's own traceparent follows.
                request.fields[index].kind = .nominated
                request.needsRewrite = true
            } else if field.nameLength == 12, requestID == nil, field.valueEnd > field.valueStart,
                HTTPBytes.equalsLowercaseToken(bytes, field.lineStart, 12, "x-request-id")
            {
                requestID = field.valueStart..<field.valueEnd
            }
        }
        let trace = TraceContext.hop(incoming: sawTraceparent ? incoming : nil, random: &loop.random)
        request.hasTraceparent = true
        HeadWriter.requestHead(
                bytes, head: &request, clientAddress: clientAddress, random: &loop.random, hostForHTTP10: hostForHTTP10,
                into: &head)
        head.moveWriterIndex(to: head.writerIndex - 2)  // back over the blank line
        head.writeStaticString("traceparent: 00-")
        head.writeHex64(trace.traceHigh)
        head.writeHex64(trace.traceLow)
        head.writeInteger(UInt8(ascii: "-"))
        head.writeHex64(trace.span)
        head.writeInteger(UInt8(ascii: "-"))
        head.writeHex8(trace.flags)
        head.writeStaticString("\r\n")
        var generated: (UInt64, UInt64) = (0, 0)
        if requestID == nil {
            generated = (loop.random.next(), loop.random.next())
            head.writeStaticString("x-request-id: ")
            head.writeUUID(generated.0, generated.1)
            head.writeStaticString("\r\n")
        }
        head.writeStaticString("\r\n")
        noteListenerField()
        telemetry.begin(bytes, head: request, trace: trace, requestID: requestID, generated: generated, service: service)
    }

    /// An opaque TCP connection is logged as one line when it ends (`RequestTelemetry.beginConnection`).
    func beginConnectionTelemetry(service: ServiceState) {
        noteListenerField()
        let trace = TraceContext.hop(incoming: nil, random: &loop.random)
        telemetry.beginConnection(trace: trace, id: (loop.random.next(), loop.random.next()), service: service)
    }

    /// `"listener":…,"kind":…`, made once per connection.
    private func noteListenerField() {
        guard telemetry.listenerField == nil else { return }
        let kind = loop.routes.listeners[listenerName]?.kind.rawValue ?? "unknown"
        telemetry.listenerField = RequestTelemetry.listenerField(name: listenerName, kind: kind)
    }

    /// Writes the request's access-log line (once per request; later calls do nothing).
    func logAccess(status: Int, reason: String?) {
        // By-caller counts are of requests; a TCP connection has no status to count.
        if !opaque { countByPeer(status: status, reason: reason) }
        guard telemetry.active else { return }
        telemetry.active = false
        guard let sink = loop.accessLog else { return }
        let now = LoopContext.now()
        let caller = peer?.identity?.uri
        sink.line(startedAt: startedAt, now: now) { out in
            telemetry.finishLine(into: &out, attempts: tries, status: status, reason: reason, nanos: now &- startedAt,
                                 peer: caller)
        }
        telemetry.service = nil
        telemetry.upstream = nil
        telemetry.connectionBytes = nil
    }
}

extension LoopContext.RouteDecision {
    var service: ServiceState? {
        if case .service(let service, _, _, _) = self { return service }
        return nil
    }
}
