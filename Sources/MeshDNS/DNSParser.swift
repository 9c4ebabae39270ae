/// Reads a query off the wire. Every length and pointer is checked against the message; a compression pointer
/// must point backwards, so no input can loop or read out of bounds.
public enum DNSParser {
    public enum Failure: Error, Sendable, Hashable {
        /// Shorter than a header: there is no id to answer, so nothing is sent back.
        case tooShortForHeader
        /// The header was read; the rest is malformed. Answer FORMERR with this id.
        case malformed(id: UInt16, reason: String)
    }

    public static func parseQuery(_ bytes: [UInt8]) throws(Failure) -> DNSMessage {
        guard bytes.count >= 12 else { throw .tooShortForHeader }
        let id = UInt16(bytes[0]) << 8 | UInt16(bytes[1])
        let flags = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
        var message = DNSMessage(
            id: id, isResponse: flags & 0x8000 != 0, opcode: UInt8((flags >> 11) & 0x0F),
            isTruncated: flags & 0x0200 != 0, recursionDesired: flags & 0x0100 != 0)
        let questionCount = Int(UInt16(bytes[4]) << 8 | UInt16(bytes[5]))
        let answerCount = Int(UInt16(bytes[6]) << 8 | UInt16(bytes[7]))
        let authorityCount = Int(UInt16(bytes[8]) << 8 | UInt16(bytes[9]))
        let additionalCount = Int(UInt16(bytes[10]) << 8 | UInt16(bytes[11]))
        func fail(_ reason: String) -> Failure { .malformed(id: id, reason: reason) }
        // One question per query is what every resolver sends; RFC 9619 makes anything else FORMERR.
        guard questionCount == 1 else { throw fail("\(questionCount) questions") }
        var offset = 12
        let labels = try name(bytes, at: &offset, id: id)
        guard offset + 4 <= bytes.count else { throw fail("question ends early") }
        let type = UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
        let classCode = UInt16(bytes[offset + 2]) << 8 | UInt16(bytes[offset + 3])
        offset += 4
        message.questions = [DNSQuestion(labels: labels, type: DNSType(code: type), classCode: classCode)]
        // Answers and authorities are skipped (a query has none); additionals are read for EDNS(0)'s OPT.
        for index in 0..<(answerCount + authorityCount + additionalCount) {
            _ = try name(bytes, at: &offset, id: id)
            guard offset + 10 <= bytes.count else { throw fail("record ends early") }
            let recordType = UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
            let recordClass = UInt16(bytes[offset + 2]) << 8 | UInt16(bytes[offset + 3])
            let length = Int(UInt16(bytes[offset + 8]) << 8 | UInt16(bytes[offset + 9]))
            offset += 10
            guard offset + length <= bytes.count else { throw fail("record data ends early") }
            offset += length
            if index >= answerCount + authorityCount && recordType == DNSType.opt.code {
                message.ednsPayloadSize = max(512, Int(recordClass))
            }
        }
        return message
    }

    /// A possibly compressed name (RFC 1035 §4.1.4): labels of 1–63 bytes, at most 255 bytes in all.
    static func name(_ bytes: [UInt8], at offset: inout Int, id: UInt16) throws(Failure) -> [String] {
        var labels: [String] = []
        var position = offset
        var jumped = false
        var total = 0
        while true {
            guard position < bytes.count else { throw .malformed(id: id, reason: "name ends early") }
            let length = Int(bytes[position])
            if length == 0 {
                if !jumped { offset = position + 1 }
                return labels
            }
            if length & 0xC0 == 0xC0 {
                guard position + 1 < bytes.count else { throw .malformed(id: id, reason: "pointer ends early") }
                let target = (length & 0x3F) << 8 | Int(bytes[position + 1])
                // Only backwards: every jump lands strictly earlier, so the walk ends.
                guard target < position else { throw .malformed(id: id, reason: "forward compression pointer") }
                if !jumped { offset = position + 2 }
                jumped = true
                position = target
                continue
            }
            guard length <= 63 else { throw .malformed(id: id, reason: "label type \(length >> 6)") }
            guard position + 1 + length <= bytes.count else { throw .malformed(id: id, reason: "label ends early") }
            total += length + 1
            guard total <= 255 else { throw .malformed(id: id, reason: "name longer than 255 bytes") }
            let label = bytes[(position + 1)..<(position + 1 + length)].map { byte in
                (0x41...0x5A).contains(byte) ? byte + 0x20 : byte
            }
            labels.append(String(decoding: label, as: UTF8.self))
            position += 1 + length
        }
    }
}
