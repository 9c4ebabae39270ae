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

    /// The pid the running operator wrote, if any.
    public func recordedPID() -> Int32? {
        guard let text = try? String(contentsOfFile: pidPath, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
