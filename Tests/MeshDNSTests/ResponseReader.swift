@testable import MeshDNS

/// Reads the server's responses back (the parser proper reads only queries): header, question, records.
enum ResponseReader {
    struct Failure: Error {}

    static func read(_ bytes: [UInt8]) throws -> DNSMessage {
        guard bytes.count >= 12 else { throw Failure() }
        func u16(_ at: Int) -> UInt16 { UInt16(bytes[at]) << 8 | UInt16(bytes[at + 1]) }
        let flags = u16(2)
        var message = DNSMessage(id: u16(0), isResponse: flags & 0x8000 != 0, opcode: UInt8((flags >> 11) & 0xF),
                                 isAuthoritative: flags & 0x0400 != 0, isTruncated: flags & 0x0200 != 0,
                                 recursionDesired: flags & 0x0100 != 0,
                                 responseCode: DNSResponseCode(rawValue: UInt8(flags & 0xF)) ?? .serverFailure)
        var offset = 12
        for _ in 0..<u16(4) {
            let labels = try DNSParser.name(bytes, at: &offset, id: 0)
            message.questions.append(DNSQuestion(labels: labels, type: DNSType(code: u16(offset))))
            offset += 4
        }
        let answers = Int(u16(6))
        let total = answers + Int(u16(8)) + Int(u16(10))
        for index in 0..<total {
            let labels = try DNSParser.name(bytes, at: &offset, id: 0)
            let type = u16(offset)
            let ttl = UInt32(u16(offset + 4)) << 16 | UInt32(u16(offset + 6))
            let length = Int(u16(offset + 8))
            offset += 10
            let data: DNSRecord.Data
            switch type {
            case 1, 28: data = type == 1 ? .a(Array(bytes[offset..<offset + length])) : .aaaa(Array(bytes[offset..<offset + length]))
            case 33:
                var at = offset + 6
                data = .srv(priority: u16(offset), weight: u16(offset + 2), port: u16(offset + 4),
                            target: try DNSParser.name(bytes, at: &at, id: 0))
            default: throw Failure()
            }
            offset += length
            let record = DNSRecord(labels: labels, ttl: ttl, data: data)
            if index < answers { message.answers.append(record) } else { message.additionals.append(record) }
        }
        return message
    }
}
