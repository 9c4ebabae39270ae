import Foundation

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
        logsDirectory + "/" + slot.replacingOccurrences(of: "/", with: "_") + ".log"
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
        guard let walker = FileManager.default.enumerator(atPath: root) else { return usage }
        var seen = 0
        while let relative = walker.nextObject() as? String, seen < maxFiles {
            seen += 1
            guard let attributes = walker.fileAttributes, attributes[.type] as? FileAttributeType == .typeRegular,
                  let size = (attributes[.size] as? NSNumber)?.int64Value else { continue }
            usage.totalBytes += size
            if relative.hasPrefix("logs/") { usage.logsBytes += size }
        }
        return usage
    }

    /// The pid the running operator wrote, if any.
    public func recordedPID() -> Int32? {
        guard let text = try? String(contentsOfFile: pidPath, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
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
                return unit == "B" ? "\(count) B" : String(format: "%.1f %@", value, unit)
            }
            value /= 1024
        }
        return "\(count) B"
    }
}
