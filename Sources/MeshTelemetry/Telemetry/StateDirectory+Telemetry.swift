import Foundation
import OperatorAPI
import Reconciler

#if canImport(Glibc)
import Glibc
#endif

/// Where `meshctl logs` and `meshctl trace` find their files: replica output and proxies' access logs, all in the
/// logs folder, named after their slots (`web_workload_0.log`, `web_sidecar_0.access.log`).
extension StateDirectory {
    /// A file to read and the label its lines get.
    public struct LogSource: Sendable, Hashable {
        public var label: String
        /// The live file.
        public var path: String

        /// Its rotated generations (`path.2`, `path.1`), oldest first: read them before `path`.
        public var olderPaths: [String] { Array(RotatedLog.generations(of: path).dropLast()) }
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

    /// Every access log in the logs folder, each sidecar's and the gateway's, with its rotated generations.
    public func accessLogPaths() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: logsDirectory)) ?? []
        return names.filter { $0.hasSuffix(DesiredWorld.accessLogSuffix) }.sorted()
            .flatMap { RotatedLog.generations(of: path($0)) }
    }

    /// The access-log lines of every proxy that mention `id` (a request id or a trace id).
    public func accessLogEntries(mentioning id: String) -> [AccessLogEntry] {
        var entries: [AccessLogEntry] = []
        for path in accessLogPaths() {
            let cursor = LogFileCursor(path: path)
            // Chunk by chunk (an access log can be far larger than memory should hold at once), and only the
            // lines around a byte match are decoded: a 200 MB log is searched in well under a second.
            while let chunk = cursor.readChunk(maxBytes: 8 * 1024 * 1024) {
                for needle in Set([id, id.lowercased()]) {
                    for line in Self.lines(in: chunk, containing: Array(needle.utf8)) {
                        if let entry = AccessLogEntry.decode(line: line), !entries.contains(entry) { entries.append(entry) }
                    }
                }
            }
        }
        return entries
    }

    private func path(_ name: String) -> String { logsDirectory + "/" + name }

    /// The lines of `chunk` that contain `needle`, each once.
    static func lines(in chunk: Data, containing needle: [UInt8]) -> [String] {
        guard !needle.isEmpty else { return [] }
        return chunk.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) -> [String] in
            var found: [String] = []
            var from = 0
            while let at = find(needle, in: bytes, from: from) {
                var start = at
                while start > 0 && bytes[start - 1] != 0x0A { start -= 1 }
                var end = at
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                found.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
                from = end + 1
            }
            return found
        }
    }

    /// The offset of the first `needle` at or after `from` (memchr for its first byte, then a compare).
    private static func find(_ needle: [UInt8], in bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var i = from
        let last = bytes.count - needle.count
        return needle.withUnsafeBytes { pattern -> Int? in
            while i <= last {
                guard let hit = memchr(base + i, Int32(needle[0]), last - i + 1) else { return nil }
                let at = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(base + at, pattern.baseAddress!, needle.count) == 0 { return at }
                i = at + 1
            }
            return nil
        }
    }
}
