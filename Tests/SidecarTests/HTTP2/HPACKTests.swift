import NIOCore
import NIOHPACK
import Testing

@testable import Sidecar

/// The proxy's own HPACK (RFC 7541): the decoder against the examples of Appendix C (with and without Huffman
/// coding, the dynamic table's size after each block as the RFC gives it), the encoder through the decoder, and
/// malformed blocks refused rather than crashing.
@Suite struct HPACKTests {
    private static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }

    private static func decode(_ decoder: inout HPACKBlockDecoder, _ hex: String) throws -> [(String, String)] {
        let block = bytes(hex)
        let headers = try block.withUnsafeBytes { try decoder.decode($0) }
        return headers.map { ($0.name, $0.value) }
    }

    private static func expectFields(_ got: [(String, String)], _ want: [(String, String)]) {
        #expect(got.map { "\($0.0): \($0.1)" } == want.map { "\($0.0): \($0.1)" })
    }

    @Test func appendixC2SingleFieldsAndTheirIndexing() throws {
        var decoder = HPACKBlockDecoder(maxHeaderListSize: 16_384)
        let literal = Self.bytes("400a637573746f6d2d6b65790d637573746f6d2d686561646572")
        var headers = try literal.withUnsafeBytes { try decoder.decode($0) }
        Self.expectFields(headers.map { ($0.name, $0.value) }, [("custom-key", "custom-header")])
        #expect(decoder.table.size == 55)

        decoder = HPACKBlockDecoder(maxHeaderListSize: 16_384)
        Self.expectFields(try Self.decode(&decoder, "040c2f73616d706c652f70617468"), [(":path", "/sample/path")])
        #expect(decoder.table.size == 0)

        headers = try Self.bytes("100870617373776f726406736563726574").withUnsafeBytes { try decoder.decode($0) }
        Self.expectFields(headers.map { ($0.name, $0.value) }, [("password", "secret")])
        #expect(headers.map { $0.indexable } == [.neverIndexed])
        #expect(decoder.table.size == 0)

        Self.expectFields(try Self.decode(&decoder, "82"), [(":method", "GET")])
    }

    @Test("Appendix C.3 and C.4: requests on one connection", arguments: [false, true])
    func appendixRequests(huffman: Bool) throws {
        var decoder = HPACKBlockDecoder(maxHeaderListSize: 16_384)
        let blocks = huffman ? ["828684418cf1e3c2e5f23a6ba0ab90f4ff", "828684be5886a8eb10649cbf", "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf"] : ["828684410f7777772e6578616d706c652e636f6d", "828684be58086e6f2d6361636865", "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565"]
        Self.expectFields(
            try Self.decode(&decoder, blocks[0]),
            [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com")])
        #expect(decoder.table.size == 57)
        Self.expectFields(
            try Self.decode(&decoder, blocks[1]),
            [(":method", "GET"), (":scheme", "http"), (":path", "/"), (":authority", "www.example.com"), ("cache-control", "no-cache")])
        #expect(decoder.table.size == 110)
        Self.expectFields(
            try Self.decode(&decoder, blocks[2]),
            [(":method", "GET"), (":scheme", "https"), (":path", "/index.html"), (":authority", "www.example.com"),
             ("custom-key", "custom-value")])
        #expect(decoder.table.size == 164)
        #expect(decoder.table.count == 3)
    }

    @Test("Appendix C.5 and C.6: responses with a 256-byte table, entries evicted", arguments: [false, true])
    func appendixResponses(huffman: Bool) throws {
        var decoder = HPACKBlockDecoder(maxHeaderListSize: 16_384, maxTableSize: 256)
        let blocks = huffman ? ["488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3", "4883640effc1c0bf", "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007"] : ["4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d", "4803333037c1c0bf", "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31"]
        Self.expectFields(
            try Self.decode(&decoder, blocks[0]),
            [(":status", "302"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("location", "https://www.example.com")])
        #expect(decoder.table.size == 222)
        Self.expectFields(
            try Self.decode(&decoder, blocks[1]),
            [(":status", "307"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:21 GMT"), ("location", "https://www.example.com")])
        #expect(decoder.table.size == 222)
        Self.expectFields(
            try Self.decode(&decoder, blocks[2]),
            [(":status", "200"), ("cache-control", "private"), ("date", "Mon, 21 Oct 2013 20:13:22 GMT"), ("location", "https://www.example.com"),
             ("content-encoding", "gzip"), ("set-cookie", "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1")])
        #expect(decoder.table.size == 215)
        #expect(decoder.table.count == 3)
        #expect(decoder.table.entry(1)?.name == "set-cookie")
        #expect(decoder.table.entry(3)?.value == "Mon, 21 Oct 2013 20:13:22 GMT")
    }

    @Test func theEncoderUsesStaticIndexesAndLiteralsAndItsBlocksDecode() throws {
        var headers = HPACKHeaders()
        headers.add(name: ":method", value: "GET")
        headers.add(name: ":status", value: "200")
        headers.add(name: ":path", value: "/a")
        headers.add(name: "x-custom", value: "v")
        headers.add(name: "authorization", value: "secret", indexing: .neverIndexed)
        headers.add(name: "x-long", value: String(repeating: "z", count: 300))
        var out = ByteBufferAllocator().buffer(capacity: 64)
        HPACKBlockEncoder.encode(headers, into: &out)
        let bytes = Array(out.readableBytesView)
        // :method GET and :status 200 are static entries 2 and 8; :path by name (4) with a literal value.
        #expect(Array(bytes.prefix(6)) == [0x82, 0x88, 0x04, 0x02, 0x2F, 0x61])
        var decoder = HPACKBlockDecoder(maxHeaderListSize: 16_384)
        let decoded = try decoder.decode(out)
        Self.expectFields(decoded.map { ($0.name, $0.value) }, headers.map { ($0.name, $0.value) })
        #expect(decoded.map { $0.indexable } == [.indexable, .indexable, .nonIndexable, .nonIndexable, .neverIndexed, .nonIndexable])
        #expect(decoder.table.count == 0)
    }

    @Test func integersAtAndPastTheirPrefix() throws {
        // RFC 7541 C.1: 10 in a 5-bit prefix is one byte, 1337 three.
        for (value, prefix, want) in [(10, 5, [UInt8(10)]), (1337, 5, [31, 154, 10]), (42, 8, [42]), (127, 7, [127, 0])] {
            var out = ByteBufferAllocator().buffer(capacity: 8)
            HPACKBlockEncoder.integer(value, prefix: prefix, flags: 0, into: &out)
            #expect(Array(out.readableBytesView) == want)
        }
    }

    @Test func aHeaderListPastTheLimitIsRefused() throws {
        var headers = HPACKHeaders()
        headers.add(name: "x-a", value: String(repeating: "a", count: 100))
        var out = ByteBufferAllocator().buffer(capacity: 128)
        HPACKBlockEncoder.encode(headers, into: &out)
        var small = HPACKBlockDecoder(maxHeaderListSize: 134)
        #expect(throws: HPACKBlockDecoder.Invalid.self) { try small.decode(out) }
        var enough = HPACKBlockDecoder(maxHeaderListSize: 135)
        #expect(try enough.decode(out).count == 1)
    }

    @Test("malformed blocks are refused", arguments: [
        "80",  // index 0
        "be",  // index 62 with an empty dynamic table
        "ff80808080808001",  // an integer past any limit
        "40",  // ends before the name
        "0003616263",  // ends inside the value's length
        "000161058161",  // value length past the block
        "0081ff",  // Huffman: padding of 8 bits
        "008106",  // Huffman: "0" (00000) then padding 110, not a prefix of EOS
        "8220",  // a table size update after a field
        "202020",  // three size updates
        "3fe21f",  // a size update past the maximum (4097)
    ])
    func malformedBlocks(_ hex: String) {
        var decoder = HPACKBlockDecoder(maxHeaderListSize: 16_384)
        #expect(throws: HPACKBlockDecoder.Invalid.self) { _ = try Self.decode(&decoder, hex) }
    }

    @Test func randomBytesNeverCrashTheDecoder() {
        var generator = IncrementalPatchTests.Seeded(state: 7541)  // SplitMix64: a failure repeats
        var decoder = HPACKBlockDecoder(maxHeaderListSize: 16_384)
        var decodedSome = 0
        let valid = Self.bytes("828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf")
        for round in 0..<20_000 {
            var block: [UInt8]
            if round % 2 == 0 {
                block = (0..<Int(generator.next() % 64)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            } else {
                // A valid block with a few bytes changed: deeper into the decoder than pure noise gets.
                block = valid
                for _ in 0..<1 + Int(generator.next() % 3) {
                    block[Int(generator.next() % UInt64(block.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
            }
            if (try? block.withUnsafeBytes { try decoder.decode($0) }) != nil { decodedSome += 1 }
            #expect(decoder.table.size <= decoder.table.maxSize)
            if round % 1_000 == 0 { decoder = HPACKBlockDecoder(maxHeaderListSize: 16_384) }
        }
        #expect(decodedSome > 0)
    }
}
