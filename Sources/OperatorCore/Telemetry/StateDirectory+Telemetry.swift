import Foundation
import Reconciler

/// Where `meshctl logs` and `meshctl trace` find their files: replica output and proxies' access logs, all in the
/// logs folder, named after their slots (`web_workload_0.log`, `web_sidecar_0.access.log`).
extension StateDirectory {
    /// A file to read and the label its lines get.
    public struct LogSource: Sendable, Hashable {
        public var label: String
        public var path: String
    }

    /// A service's files: its workloads' output, its sidecars' access logs (`access`), its sidecars' own output
    /// (`sidecars`); sorted by label.
    public func logSources(service: String, access: Bool, sidecars: Bool) -> [LogSource] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: logsDirectory)) ?? []
        var sources: [LogSource] = []
        for name in names where name.hasPrefix(service + "_") {
            let rest = name.dropFirst(service.count + 1)
            let accessSuffix = DesiredWorld.accessLogSuffix
            if rest.hasPrefix("workload_"), rest.hasSuffix(".log"), !rest.hasSuffix(accessSuffix) {
                sources.append(LogSource(label: "\(service)/workload/\(rest.dropFirst(9).dropLast(4))", path: path(name)))
            } else if rest.hasPrefix("sidecar_"), rest.hasSuffix(accessSuffix) {
                if access {
                    let replica = rest.dropFirst(8).dropLast(accessSuffix.count)
                    sources.append(LogSource(label: "\(service)/sidecar/\(replica) access", path: path(name)))
                }
            } else if rest.hasPrefix("sidecar_"), rest.hasSuffix(".log"), sidecars {
                sources.append(LogSource(label: "\(service)/sidecar/\(rest.dropFirst(8).dropLast(4))", path: path(name)))
            }
        }
        return sources.sorted { $0.label < $1.label }
    }

    /// Every access log in the logs folder: each sidecar's and the gateway's.
    public func accessLogPaths() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: logsDirectory)) ?? []
        return names.filter { $0.hasSuffix(DesiredWorld.accessLogSuffix) }.sorted().map(path)
    }

    /// The access-log lines of every proxy that mention `id` (a request id or a trace id).
    public func accessLogEntries(mentioning id: String) -> [AccessLogEntry] {
        var entries: [AccessLogEntry] = []
        for path in accessLogPaths() {
            for line in LogFileCursor(path: path).readLines() where line.localizedCaseInsensitiveContains(id) {
                if let entry = AccessLogEntry.decode(line: line) { entries.append(entry) }
            }
        }
        return entries
    }

    private func path(_ name: String) -> String { logsDirectory + "/" + name }
}
