import Testing

@testable import OperatorCore

@Suite("SecondsHistogram")
struct SecondsHistogramTests {
    @Test("cumulative buckets with le semantics, +Inf equal to the count, and the sum")
    func cumulative() {
        var histogram = SecondsHistogram(bounds: [0.01, 0.1, 1])
        for seconds in [0.005, 0.01, 0.05, 0.5, 3] { histogram.record(seconds) }
        var lines: [String] = []
        histogram.samples("x", format: OperatorMetricsText.format) { name, labels, value in
            lines.append("\(name)\(labels.map { "{\($0.0)=\"\($0.1)\"}" }.joined()) \(OperatorMetricsText.format(value))")
        }
        #expect(lines == [
            #"x_bucket{le="0.01"} 2"#, #"x_bucket{le="0.1"} 3"#, #"x_bucket{le="1"} 4"#, #"x_bucket{le="+Inf"} 5"#,
            "x_sum 3.565", "x_count 5",
        ])
    }
}
