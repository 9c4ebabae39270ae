/// Writes a response. Names are written whole (no compression: answers here are few and short); a response
/// larger than the client can take loses records from the end and says so with TC (RFC 1035 §4.2.1, RFC 6891).
public enum DNSEncoder {
    public static func encode(_ message: DNSMessage, limit: Int = 65_535) -> [UInt8] {
        var message = message
        var bytes = write(message)
        while bytes.count > limit && !(message.additionals.isEmpty && message.answers.isEmpty) {
            if !message.additionals.isEmpty { message.additionals.removeLast() } else { message.answers.removeLast() }
            message.isTruncated = true
            bytes = write(message)
        }
        return bytes
    }

    private static func write(_ message: DNSMessage) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        append16(&out, message.id)
        var flags: UInt16 = message.isResponse ? 0x8000 : 0
        flags |= UInt16(message.opcode & 0x0F) << 11
        if message.isAuthoritative { flags |= 0x0400 }
        if message.isTruncated { flags |= 0x0200 }
        if message.recursionDesired { flags |= 0x0100 }
        if message.recursionAvailable { flags |= 0x0080 }
        flags |= UInt16(message.responseCode.rawValue & 0x0F)
        append16(&out, flags)
        append16(&out, UInt16(message.questions.count))
        append16(&out, UInt16(message.answers.count))
        append16(&out, 0)
        append16(&out, UInt16(message.additionals.count))
        for question in message.questions {
            appendName(&out, question.labels)
            append16(&out, question.type.code)
            append16(&out, question.classCode)
        }
        for record in message.answers + message.additionals { appendRecord(&out, record) }
        return out
    }

    private static func appendRecord(_ out: inout [UInt8], _ record: DNSRecord) {
        appendName(&out, record.labels)
        append16(&out, record.type.code)
        append16(&out, 1)  // IN
        append16(&out, UInt16(record.ttl >> 16))
        append16(&out, UInt16(record.ttl & 0xFFFF))
        switch record.data {
        case .a(let address), .aaaa(let address):
            append16(&out, UInt16(address.count))
            out += address
        case .srv(let priority, let weight, let port, let target):
            var data: [UInt8] = []
            append16(&data, priority)
            append16(&data, weight)
            append16(&data, port)
            appendName(&data, target)
            append16(&out, UInt16(data.count))
            out += data
        }
    }

    private static func appendName(_ out: inout [UInt8], _ labels: [String]) {
        for label in labels {
            let bytes = Array(label.utf8.prefix(63))
            out.append(UInt8(bytes.count))
            out += bytes
        }
        out.append(0)
    }

    private static func append16(_ out: inout [UInt8], _ value: UInt16) {
        out.append(UInt8(value >> 8))
        out.append(UInt8(value & 0xFF))
    }
}
