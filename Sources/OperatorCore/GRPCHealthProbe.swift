import Foundation

/// One call of the gRPC health checking protocol (`grpc.health.v1.Health/Check`) to a workload on 127.0.0.1, over
/// h2c with prior knowledge, as Kubernetes' `grpc` probe makes it: passes when the answer says SERVING.
///
/// A hand-made HTTP/2 client of a few frames, because the operator needs nothing else of HTTP/2: the request's
/// header block uses HPACK literals only (no table, no Huffman), and the answer is read from its DATA frame alone
/// (`HealthCheckResponse.status`, field 1, SERVING = 1), so no header block has to be decoded. A Trailers-Only answer
/// (NOT_FOUND for an unknown service, UNIMPLEMENTED for a server without the health service), a reset, GOAWAY, a
/// close or the timeout all fail the check. Blocking: run it off the concurrency pool.
struct GRPCHealthProbe {
    let port: Int
    let service: String
    let timeout: Duration

    private static let serving: UInt64 = 1

    func isServing() -> Bool {
        let deadline = ContinuousClock.now + timeout
        guard let socket = ProbeSocket(port: port, deadline: deadline) else { return false }
        defer { socket.close() }
        guard socket.send(request()) else { return false }
        var reader = FrameReader()
        var message: [UInt8] = []
        while let frame = reader.next(from: socket) {
            guard frame.stream == 1 || frame.stream == 0 else { continue }
            switch frame.type {
            case 0x0:  // DATA
                message += frame.payload(padded: frame.flags & 0x8 != 0)
                if let status = Self.status(inMessage: message) { return status == Self.serving }
            case 0x1:  // HEADERS: the response head, or (END_STREAM) trailers: no message came
                if frame.flags & 0x1 != 0 { return false }
            case 0x3, 0x7:  // RST_STREAM, GOAWAY
                return false
            case 0x4 where frame.flags & 0x1 == 0:  // SETTINGS: acknowledged, as RFC 9113 asks
                guard socket.send(Self.frame(type: 0x4, flags: 0x1, stream: 0, [])) else { return false }
            default:
                continue
            }
        }
        return false
    }

    /// The preface, SETTINGS, and the call: HEADERS then the one message with END_STREAM.
    private func request() -> [UInt8] {
        var block: [UInt8] = []
        for (name, value) in [(":method", "POST"), (":scheme", "http"), (":path", "/grpc.health.v1.Health/Check"),
                              (":authority", "127.0.0.1:\(port)"), ("content-type", "application/grpc"),
                              ("te", "trailers")] {
            block.append(0x00)  // literal header field without indexing, new name
            Self.appendString(name, to: &block)
            Self.appendString(value, to: &block)
        }
        // HealthCheckRequest { string service = 1; }: an empty service is the field left out.
        var body: [UInt8] = []
        if !service.isEmpty {
            body.append(0x0A)
            Self.appendVarint(UInt64(service.utf8.count), to: &body)
            body += Array(service.utf8)
        }
        let message = [UInt8(0)] + Self.bigEndian(UInt32(body.count)) + body
        return Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + Self.frame(type: 0x4, flags: 0, stream: 0, [])
            + Self.frame(type: 0x1, flags: 0x4, stream: 1, block) + Self.frame(type: 0x0, flags: 0x1, stream: 1, message)
    }

    /// `HealthCheckResponse.status` once the first length-prefixed message is whole (0, UNKNOWN, when left out).
    static func status(inMessage bytes: [UInt8]) -> UInt64? {
        guard bytes.count >= 5 else { return nil }
        let length = bytes[1...4].reduce(0) { $0 << 8 | Int($1) }
        guard bytes.count >= 5 + length else { return nil }
        var index = 5
        let end = 5 + length
        while index < end {
            guard let key = varint(bytes, &index, end: end) else { return 0 }
            switch key & 0x7 {
            case 0:
                guard let value = varint(bytes, &index, end: end) else { return 0 }
                if key >> 3 == 1 { return value }
            case 2:
                guard let count = varint(bytes, &index, end: end) else { return 0 }
                index += Int(count)
            default:
                return 0
            }
        }
        return 0
    }

    private static func varint(_ bytes: [UInt8], _ index: inout Int, end: Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while index < end, shift < 64 {
            let byte = bytes[index]
            index += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return value }
            shift += 7
        }
        return nil
    }

    static func frame(type: UInt8, flags: UInt8, stream: UInt32, _ payload: [UInt8]) -> [UInt8] {
        Array(bigEndian(UInt32(payload.count)).dropFirst()) + [type, flags] + bigEndian(stream) + payload
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    private static func appendVarint(_ value: UInt64, to out: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            out.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
    }

    /// An HPACK string literal, not Huffman-coded: its length as a 7-bit-prefix integer (RFC 7541 §5.1), then it.
    private static func appendString(_ text: String, to out: inout [UInt8]) {
        var length = text.utf8.count
        if length < 127 {
            out.append(UInt8(length))
        } else {
            out.append(127)
            length -= 127
            while length >= 128 {
                out.append(UInt8(length & 0x7F) | 0x80)
                length >>= 7
            }
            out.append(UInt8(length))
        }
        out += Array(text.utf8)
    }
}
