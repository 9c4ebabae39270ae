import Foundation
import NIOCore
@testable import Sidecar
import Testing

@Suite("Access log encoding")
struct AccessLogEncodingTests {
    private func parse(_ text: String) -> (high: UInt64, low: UInt64, span: UInt64, flags: UInt8)? {
        var text = text
        return text.withUTF8 { TraceContext.parse(UnsafeRawBufferPointer($0), from: 0, to: $0.count) }
    }

    @Test("a valid traceparent is parsed; malformed, upper-case, all-zero and version ff ones are refused")
    func traceparentParsing() throws {
        let parsed = try #require(parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"))
        #expect(parsed.high == 0x4bf9_2f35_77b3_4da6 && parsed.low == 0xa3ce_929d_0e0e_4736)
        #expect(parsed.span == 0x00f0_67aa_0ba9_02b7 && parsed.flags == 1)
        #expect(parse("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01") == nil)
        #expect(parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01") == nil)
        #expect(parse("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01") == nil)
        #expect(parse("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01") == nil)
        #expect(parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra") == nil)
        #expect(parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra") != nil)
        #expect(parse("garbage") == nil)
    }

    @Test("ids are written as 16 lower-case hex digits: every digit value at every place, and mixed values")
    func hexIDs() {
        func expected(_ value: UInt64) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
        var values: [UInt64] = [0, .max, 0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210]
        for place in 0..<16 {
            for digit in UInt64(0)...15 { values.append(digit << UInt64(4 * place)) }
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<1_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            values.append(state)
        }
        for value in values {
            var buffer = ByteBuffer()
            buffer.writeInteger(UInt8(ascii: "x"))  // not at the buffer's start
            buffer.writeHex64(value)
            #expect(buffer.readableBytesView.dropFirst().elementsEqual(expected(value).utf8), "\(value)")
        }
    }

    @Test("a hop is a child of the incoming span in the same trace, or the root of a new trace")
    func hopIdentity() throws {
        var random = FastRandom(seed: 7)
        let incoming = try #require(parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"))
        let child = TraceContext.hop(incoming: incoming, random: &random)
        #expect(child.traceHigh == incoming.high && child.traceLow == incoming.low)
        #expect(child.parentSpan == incoming.span && child.flags == 0)
        #expect(child.span != 0 && child.span != incoming.span)
        let root = TraceContext.hop(incoming: nil, random: &random)
        #expect(root.parentSpan == 0 && root.span != 0 && (root.traceHigh | root.traceLow) != 0 && root.flags == 1)
    }

    @Test("strings a client sent stay valid JSON: quotes, backslashes, control and non-ASCII bytes are escaped")
    func jsonEscaping() throws {
        var buffer = ByteBuffer()
        buffer.writeStaticString("{\"v\":\"")
        let raw: [UInt8] = Array("a\"b\\c".utf8) + [0x01, 0x09, 0xC3, 0xA9, 0xFF]
        raw.withUnsafeBytes { buffer.writeJSONEscaped($0) }
        buffer.writeStaticString("\"}")
        let object = try JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: String]
        #expect(object?["v"] == "a\"b\\c\u{01}\t\u{C3}\u{A9}\u{FF}")
    }

    @Test("numbers, durations, UUIDs and timestamps are written as the format says")
    func fieldFormats() {
        var buffer = ByteBuffer()
        buffer.writeDecimal(0)
        buffer.writeStaticString(" ")
        buffer.writeDecimal(1_234_567)
        buffer.writeStaticString(" ")
        buffer.writeMilliseconds(nanos: 12_345_678)
        buffer.writeStaticString(" ")
        buffer.writeMilliseconds(nanos: 999)
        buffer.writeStaticString(" ")
        buffer.writeUUID(0x0123_4567_89ab_cdef, 0xfedc_ba98_7654_3210)
        #expect(String(buffer: buffer) == "0 1234567 12.345 0.000 01234567-89ab-4def-bedc-ba9876543210")
        #expect(String(decoding: AccessLogSink.civil(1_764_294_556), as: UTF8.self) == "2025-11-28T01:49:16")
        #expect(String(decoding: AccessLogSink.civil(951_782_400 + 86_399), as: UTF8.self) == "2000-02-29T23:59:59")
        #expect(String(decoding: AccessLogSink.civil(0), as: UTF8.self) == "1970-01-01T00:00:00")
    }
}
