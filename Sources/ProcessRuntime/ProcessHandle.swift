/// A process the runtime started (or adopted): what the operator records durably to find it again after a restart.
///
/// `pid` alone is not an identity, since the kernel reuses pids; `pid` with `startTime` is.
public struct ProcessHandle: Sendable, Hashable, Codable, CustomStringConvertible {
    public var pid: Int32
    /// Field 22 of /proc/PID/stat: clock ticks after boot at which the process started.
    public var startTime: UInt64
    /// `ProcessSpec.commandHash` of what was started.
    public var commandHash: String
    public var logPath: String

    public init(pid: Int32, startTime: UInt64, commandHash: String, logPath: String) {
        self.pid = pid
        self.startTime = startTime
        self.commandHash = commandHash
        self.logPath = logPath
    }

    public var description: String { "pid \(pid) (started at tick \(startTime))" }
}
