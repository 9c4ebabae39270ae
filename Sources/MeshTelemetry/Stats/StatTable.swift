import Foundation

/// `meshctl stat`'s table: linkerd-viz-like columns, one row per service and per split backend (indented under its
/// root). Blank cells ("-") mean no traffic in the window, never zero.
public enum StatTable {
    public static let header = ["NAME", "RPS", "EFFECTIVE", "ACTUAL", "P50", "P95", "P99", "RETRY/S", "EJECTED"]

    public static func cells(_ row: StatRow) -> [String] {
        let m = row.metrics
        let name = row.parent == nil ? "svc/\(row.name)" : "  └ \(row.name)"
        return [name, number(m.requestsPerSecond), percent(m.effectiveSuccess), percent(m.actualSuccess),
                millis(m.p50Ms), millis(m.p95Ms), millis(m.p99Ms), number(m.retriesPerSecond),
                String(m.ejectedEndpoints)]
    }

    /// Left-aligned columns two spaces apart, like kubectl's tables.
    public static func render(_ rows: [StatRow]) -> String {
        let table = [header] + rows.map(cells)
        var widths = Array(repeating: 0, count: header.count)
        for row in table {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return table.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index] + 2, withPad: " ", startingAt: 0)
            }.joined()
        }.joined(separator: "\n")
    }

    static func number(_ value: Double) -> String { String(format: "%.1f", value) }
    static func percent(_ value: Double?) -> String { value.map { String(format: "%.2f%%", $0 * 100) } ?? "-" }
    static func millis(_ value: Double?) -> String {
        guard let value else { return "-" }
        return value < 10 ? String(format: "%.1fms", value) : String(format: "%.0fms", value)
    }
}
