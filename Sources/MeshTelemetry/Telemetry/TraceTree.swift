import Foundation

/// The hops of one traced request as a tree (gateway → web inbound → …), assembled from access-log lines: a hop
/// is the child of the hop whose span id is its `parent_span_id`.
public struct TraceTree: Sendable, Hashable {
    public struct Node: Sendable, Hashable {
        public var entry: AccessLogEntry
        /// Unix seconds.
        public var start: Double
        public var children: [Node]
    }

    public var traceID: String
    /// Hops whose parent is not among the lines (the first proxy, or a hop whose parent's line is missing).
    public var roots: [Node]
    public var start: Double
    public var end: Double

    public var hopCount: Int {
        func count(_ nodes: [Node]) -> Int { nodes.reduce(0) { $0 + 1 + count($1.children) } }
        return count(roots)
    }

    /// The traces among `entries` that `id` names, as a request id or a trace id; one tree per trace id, earliest
    /// first.
    public static func find(_ id: String, in entries: [AccessLogEntry]) -> [TraceTree] {
        let needle = id.lowercased()
        let traceIDs = Set(entries.filter { $0.requestID.lowercased() == needle || $0.traceID == needle }.map(\.traceID))
        return build(entries.filter { traceIDs.contains($0.traceID) })
    }

    /// Groups `entries` by trace id and links each group's hops by span ids.
    public static func build(_ entries: [AccessLogEntry]) -> [TraceTree] {
        var byTrace: [String: [AccessLogEntry]] = [:]
        for entry in entries { byTrace[entry.traceID, default: []].append(entry) }
        return byTrace.map { traceID, group in assemble(traceID: traceID, group) }
            .sorted { ($0.start, $0.traceID) < ($1.start, $1.traceID) }
    }

    private static func assemble(traceID: String, _ group: [AccessLogEntry]) -> TraceTree {
        let starts = group.map { $0.start ?? 0 }
        let spans = Set(group.map(\.spanID))
        var childrenOf: [String: [Int]] = [:]
        var rootIndices: [Int] = []
        for (index, entry) in group.enumerated() {
            if let parent = entry.parentSpanID, parent != entry.spanID, spans.contains(parent) {
                childrenOf[parent, default: []].append(index)
            } else {
                rootIndices.append(index)
            }
        }
        // Depth-bounded: a cycle in bad input (a → b → a) cannot recurse forever.
        func node(_ index: Int, depth: Int) -> Node {
            let entry = group[index]
            let kids = depth > 64 ? [] : (childrenOf[entry.spanID] ?? []).sorted { starts[$0] < starts[$1] }
            // Timestamps have millisecond resolution: a child never starts before its parent on screen.
            return Node(entry: entry, start: starts[index], children: kids.map { node($0, depth: depth + 1) })
        }
        let roots = rootIndices.sorted { starts[$0] < starts[$1] }.map { node($0, depth: 0) }
        let start = starts.min() ?? 0
        let end = zip(group, starts).map { $1 + $0.durationMs / 1000 }.max() ?? start
        return TraceTree(traceID: traceID, roots: roots, start: start, end: end)
    }

    /// A tiny waterfall: one line per hop, indented under its parent, with its start offset from the trace's
    /// first hop, its duration and a bar of `barWidth` characters.
    public func render(barWidth: Int = 32) -> [String] {
        let total = max(end - start, 0.000_001)
        let requestIDs = Set(roots.map(\.entry.requestID)).sorted().joined(separator: ", ")
        var lines = [
            "trace \(traceID)  request \(requestIDs)  \(hopCount) hop\(hopCount == 1 ? "" : "s")  "
                + "\(Self.milliseconds(total * 1000)) ms",
            "  OFFSET      DURATION  HOP",
        ]
        func walk(_ node: Node, prefix: String, isLast: Bool, isRoot: Bool, parentStart: Double) {
            let begin = max(node.start, parentStart)
            let offset = (begin - start) * 1000
            let e = node.entry
            let from = Int(((begin - start) / total * Double(barWidth)).rounded(.down))
            let length = max(1, Int((e.durationMs / 1000 / total * Double(barWidth)).rounded()))
            let barStart = min(from, barWidth - 1)
            let bar = String(repeating: " ", count: barStart) + String(repeating: "█", count: min(length, barWidth - barStart))
            let padded = bar + String(repeating: " ", count: max(0, barWidth - bar.count))
            let branch = isRoot ? "" : prefix + (isLast ? "└─ " : "├─ ")
            var what = "\(e.proxy) \(e.listener)  \(e.method) \(e.authority ?? "-")\(e.path)"
            what += " → \(e.service ?? "no route")"
            if let upstream = e.upstream { what += " @\(upstream)" }
            what += "  \(e.status)"
            if e.attempts > 1 { what += " (\(e.attempts) attempts)" }
            if let reason = e.reason { what += " \(reason)" }
            let offsetText = "+" + Self.milliseconds(offset)
            let durationText = Self.milliseconds(e.durationMs) + " ms"
            lines.append(
                "  " + offsetText.padding(toLength: 10, withPad: " ", startingAt: 0)
                    + String(repeating: " ", count: max(0, 12 - durationText.count)) + durationText
                    + "  |" + padded + "|  " + branch + what)
            let childPrefix = isRoot ? "" : prefix + (isLast ? "   " : "│  ")
            for (i, child) in node.children.enumerated() {
                walk(child, prefix: childPrefix, isLast: i == node.children.count - 1, isRoot: false, parentStart: begin)
            }
        }
        for root in roots { walk(root, prefix: "", isLast: true, isRoot: true, parentStart: start) }
        return lines
    }

    static func milliseconds(_ value: Double) -> String {
        let micros = Int((value * 1000).rounded())
        let fraction = String(micros % 1000)
        return "\(micros / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
