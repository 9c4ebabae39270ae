#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The operator's folder (`./.mesh` by default): its database, API socket, logs and sidecar configurations.
/// Created owner-only (0700), so the socket and logs inside are not reachable by other users.
public struct StateDirectory: Sendable, Hashable {
    public let root: String

    public init(_ path: String) {
        self.root = URL(fileURLWithPath: path).standardizedFileURL.path
    }

    public var socketPath: String { root + "/operator.sock" }
    public var pidPath: String { root + "/operator.pid" }
    public var operatorLogPath: String { root + "/operator.log" }
    public var logsDirectory: String { root + "/logs" }
    public var configsDirectory: String { root + "/configs" }

    /// Log file of one process slot, kept across restarts of the slot.
    public func logPath(for slot: String) -> String {
        logsDirectory + "/" + String(slot.map { $0 == "/" ? "_" : $0 }) + ".log"
    }

    /// Creates the folder tree, owner-only.
    public func create() throws {
        for path in [root, logsDirectory, configsDirectory] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: path)
        }
    }

    /// What the folder holds on disk, for `meshctl status`: a walk of the tree (bounded in files), sizes in bytes.
    public func usage(maxFiles: Int = 100_000) -> StateDirectoryUsage {
        var usage = StateDirectoryUsage(path: root)
        // A walk by hand, not `FileManager.enumerator` (Foundation's, not FoundationEssentials': see the import).
        var directories = [""]
        var seen = 0
        while let relative = directories.popLast(), seen < maxFiles {
            let path = relative.isEmpty ? root : root + "/" + relative
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else { continue }
            for name in names where seen < maxFiles {
                seen += 1
                let child = relative.isEmpty ? name : relative + "/" + name
                guard let attributes = try? FileManager.default.attributesOfItem(atPath: root + "/" + child) else { continue }
                let type = attributes[.type] as? FileAttributeType
                if type == .typeDirectory {
                    directories.append(child)
                    continue
                }
                guard type == .typeRegular, let size = (attributes[.size] as? Int64) ?? (attributes[.size] as? Int).map(Int64.init)
                    ?? (attributes[.size] as? UInt64).map(Int64.init) else { continue }
                usage.totalBytes += size
                if child.hasPrefix("logs/") { usage.logsBytes += size }
            }
        }
        return usage
    }

    /// `text` without leading and trailing whitespace (spaces, tabs, line ends).
    static func trimmed(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        return String(text.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }

    /// The pid the running operator wrote, if any.
    public func recordedPID() -> Int32? {
        guard let text = try? String(contentsOfFile: pidPath, encoding: .utf8) else { return nil }
        return Int32(Self.trimmed(text))
    }
}

/// The state directory's size as `meshctl status` shows it: everything, and the logs part of it.
public struct StateDirectoryUsage: Codable, Sendable, Hashable {
    public var path: String
    public var totalBytes: Int64 = 0
    public var logsBytes: Int64 = 0

    public init(path: String, totalBytes: Int64 = 0, logsBytes: Int64 = 0) {
        self.path = path
        self.totalBytes = totalBytes
        self.logsBytes = logsBytes
    }

    /// `/path/.mesh 12.3 MiB (logs 10.1 MiB)`.
    public var summary: String {
        "\(path) \(Self.bytes(totalBytes)) (logs \(Self.bytes(logsBytes)))"
    }

    /// Bytes in binary units, one decimal: `512 B`, `4.0 KiB`, `12.3 MiB`, `1.1 GiB`.
    public static func bytes(_ count: Int64) -> String {
        var value = Double(count)
        for unit in ["B", "KiB", "MiB", "GiB"] {
            if value < 1024 || unit == "GiB" {
                if unit == "B" { return "\(count) B" }
                let tenths = Int((value * 10).rounded())
                return "\(tenths / 10).\(tenths % 10) \(unit)"
            }
            value /= 1024
        }
        return "\(count) B"
    }
}
