import DurationText
import Testing

@Suite("The one duration grammar")
struct DurationTextTests {
    @Test("sums and each unit", arguments: [
        ("250ms", 250), ("2s", 2000), ("1m", 60_000), ("1h", 3_600_000), ("0s", 0), ("0ms", 0),
        ("1m30s", 90_000), ("1h2m3s4ms", 3_723_004), ("1h30m", 5_400_000), ("2s500ms", 2500), ("007s", 7000),
    ] as [(String, Int64)])
    func sums(text: String, milliseconds: Int64) throws {
        #expect(try Duration(parsing: text) == .milliseconds(milliseconds))
    }

    @Test("fractions in the last term, to whole milliseconds", arguments: [
        ("1.5s", 1500), ("0.25s", 250), ("1.5h", 5_400_000), ("0.001s", 1), ("1m0.5s", 60_500), ("1.5ms", nil),
        ("1.0ms", 1), ("1.5000000000000s", 1500), ("0.0000001h", nil), ("0.0005s", nil),
    ] as [(String, Int64?)])
    func fractions(text: String, milliseconds: Int64?) {
        #expect(Duration.parse(text) == milliseconds.map { .milliseconds($0) })
    }

    @Test("refusals say why", arguments: [
        ("", DurationTextError.empty),
        ("10", .missingUnit), ("0", .missingUnit), ("1m30", .missingUnit), ("1.5", .missingUnit),
        ("5d", .unknownUnit("d")), ("5us", .unknownUnit("us")), ("5µs", .unknownUnit("µs")), ("2S", .unknownUnit("S")),
        ("-1s", .negative),
        ("1s1s", .unitOrder), ("30s1m", .unitOrder), ("1ms1s", .unitOrder),
        ("1.5m30s", .fractionNotLast),
        ("0.5ms", .finerThanMillisecond),
        ("2562048h", .tooLarge), ("999999999999h999999999999m", .tooLarge), ("99999999999999999999s", .tooLarge),
        ("9223372036855s", .tooLarge),
        ("ms", .malformed), (" 1s", .malformed), ("1s ", .malformed), ("1 s", .malformed), ("+1s", .malformed),
        (".5s", .malformed), ("5.s", .malformed), ("1m-30s", .malformed), ("1e3ms", .unknownUnit("e")),
    ])
    func refusals(text: String, reason: DurationTextError) {
        #expect(throws: reason) { try Duration(parsing: text) }
        #expect(Duration.parse(text) == nil)
    }

    @Test func theLargestAcceptedFitsNIOsNanoseconds() throws {
        // Int64.max nanoseconds is 9223372036854ms and a bit: the edge is accepted, one more refused.
        #expect(try Duration(parsing: "2562047h") == .seconds(2_562_047 * 3600))
        #expect(try Duration(parsing: "9223372036854ms") == .milliseconds(9_223_372_036_854))
        #expect(throws: DurationTextError.tooLarge) { try Duration(parsing: "9223372036855ms") }
    }

    @Test("canonical spelling", arguments: [
        (90_000, "1m30s"), (1500, "1s500ms"), (7_200_000, "2h"), (0, "0s"), (250, "250ms"), (3_723_004, "1h2m3s4ms"),
        (-1500, "-1s500ms"),
    ] as [(Int64, String)])
    func canonical(milliseconds: Int64, text: String) {
        #expect(Duration.milliseconds(milliseconds).canonicalText == text)
    }

    @Test func canonicalTextReadsBack() throws {
        for milliseconds: Int64 in [0, 1, 999, 1000, 59_999, 60_000, 3_599_999, 3_600_000, 86_400_001, 9_223_372_036_854] {
            let duration = Duration.milliseconds(milliseconds)
            #expect(try Duration(parsing: duration.canonicalText) == duration)
        }
    }

    @Test func subMillisecondsAreDroppedWhenPrinted() {
        #expect(Duration.microseconds(1500).canonicalText == "1ms")
        #expect(Duration.microseconds(1500).wholeMilliseconds == 1)
        #expect(Duration.seconds(Int64.max).wholeMilliseconds == .max)
    }
}
