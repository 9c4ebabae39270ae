import Foundation
import MeshTelemetry
import OperatorCore
import Testing

/// The pure parts of `meshctl trace` and `meshctl logs`: timestamps, trace trees from access-log lines, merging.
@Suite("trace trees and log merging")
struct TraceAndLogMergeTests {
    private func entry(_ proxy: String, _ listener: String, span: String, parent: String?, ts: String,
                       ms: Double, trace: String = "t1", request: String = "r1", status: Int = 200) -> AccessLogEntry {
        AccessLogEntry(ts: ts, proxy: proxy, listener: listener, kind: "inbound", requestID: request, traceID: trace,
                       spanID: span, parentSpanID: parent, authority: "web", path: "/", service: "web",
                       upstream: "127.0.0.1:1", status: status, durationMs: ms)
    }

    @Test func rfc3339ParsesOffsetsAndFractionsAndFormatsBack() throws {
        #expect(RFC3339.parse("1970-01-01T00:00:00Z") == 0)
        #expect(RFC3339.parse("2025-11-28T01:49:16.5Z") == 1_764_294_556.5)
        #expect(RFC3339.parse("2025-11-28T03:49:16+02:00") == 1_764_294_556)
        #expect(RFC3339.parse("2000-02-29 23:59:59Z") == 951_868_799)
        #expect(RFC3339.parse("2025-13-01T00:00:00Z") == nil)
        #expect(RFC3339.parse("yesterday") == nil)
        #expect(RFC3339.format(1_764_294_556.338) == "2025-11-28T01:49:16.338Z")
        let line = #"{"ts":"2026-11-28T01:59:16.338Z","proxy":"p"}"#
        #expect(try #require(LogMerge.statedTime(line)) == (try #require(RFC3339.parse("2026-11-28T01:59:16.338Z"))))
    }

    @Test func hopsAreLinkedBySpanIdsAndDrawnUnderTheirParent() throws {
        let entries = [
            entry("web/sidecar/0", "inbound", span: "b", parent: "a", ts: "2026-01-01T00:00:00.004Z", ms: 5),
            entry("gateway/gateway/0", "gateway", span: "a", parent: nil, ts: "2026-01-01T00:00:00.000Z", ms: 10),
            entry("api/sidecar/1", "inbound", span: "c", parent: "b", ts: "2026-01-01T00:00:00.006Z", ms: 2),
            entry("other/sidecar/0", "inbound", span: "z", parent: nil, ts: "2026-01-01T00:00:00.000Z", ms: 1,
                  trace: "t2", request: "r2"),
        ]
        let traces = TraceTree.find("r1", in: entries)
        try #require(traces.count == 1)
        let trace = traces[0]
        #expect(trace.hopCount == 3 && trace.roots.count == 1)
        #expect(trace.roots[0].entry.proxy == "gateway/gateway/0")
        #expect(trace.roots[0].children.map(\.entry.spanID) == ["b"])
        #expect(trace.roots[0].children[0].children.map(\.entry.spanID) == ["c"])
        let lines = trace.render()
        #expect(lines[0].hasPrefix("trace t1  request r1  3 hops  10.000 ms"))
        let gateway = try #require(lines.firstIndex { $0.contains("gateway/gateway/0") })
        let web = try #require(lines.firstIndex { $0.contains("└─ web/sidecar/0 inbound") })
        let api = try #require(lines.firstIndex { $0.contains("   └─ api/sidecar/1 inbound") })
        #expect(gateway < web && web < api)
        #expect(lines[web].contains("+4.000") && lines[web].contains("5.000 ms"))
        // A trace id finds the same tree; an unknown id finds nothing.
        #expect(TraceTree.find("t1", in: entries).first?.hopCount == 3)
        #expect(TraceTree.find("nope", in: entries).isEmpty)
    }

    @Test func aHopWhoseParentLineIsMissingBecomesARoot() {
        let entries = [
            entry("web/sidecar/0", "inbound", span: "b", parent: "gone", ts: "2026-01-01T00:00:00.004Z", ms: 5),
            entry("web/sidecar/0", "outbound", span: "c", parent: "b", ts: "2026-01-01T00:00:00.005Z", ms: 1),
        ]
        let trace = TraceTree.build(entries)
        #expect(trace.count == 1 && trace[0].roots.count == 1 && trace[0].hopCount == 2)
    }

    @Test func linesMergeByTimeAndUntimedLinesKeepTheirPlaceInTheirFile() {
        let replica = LogMerge.timed(
            source: "web/workload/0",
            lines: ["starting", "2026-01-01T00:00:02Z ready", "serving"], fallback: RFC3339.parse("2026-01-01T00:00:05Z"))
        let access = LogMerge.timed(
            source: "web/sidecar/0 access",
            lines: [#"{"ts":"2026-01-01T00:00:03.000Z","n":2}"#, #"{"ts":"2026-01-01T00:00:01.000Z","n":1}"#],
            fallback: nil)
        let merged = LogMerge.merge([replica, access]).map(\.text)
        #expect(merged == [
            #"{"ts":"2026-01-01T00:00:01.000Z","n":1}"#, "2026-01-01T00:00:02Z ready", "serving",
            #"{"ts":"2026-01-01T00:00:03.000Z","n":2}"#, "starting",
        ])
        let since = RFC3339.parse("2026-01-01T00:00:02Z")
        let filtered = LogMerge.filter(LogMerge.merge([replica, access]), since: since, grep: try? Regex("n\":2|ready"))
        #expect(filtered.map(\.text) == ["2026-01-01T00:00:02Z ready", #"{"ts":"2026-01-01T00:00:03.000Z","n":2}"#])
        #expect(filtered.first?.prefixed == "[web/workload/0] 2026-01-01T00:00:02Z ready")
    }
}
