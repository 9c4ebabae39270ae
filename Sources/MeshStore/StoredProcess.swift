import Foundation

/// What a process the operator runs is for.
public enum ProcessRole: String, Sendable, Hashable, Codable {
    case workload
    case sidecar
    case gateway
}

/// The durable record of one process the operator started, so that a restarted operator can adopt it
/// (same pid and same start time) or stop it.
public struct StoredProcess: Sendable, Hashable {
    /// Stable identity chosen by the reconciler, for example `workload/checkout/0`.
    public var id: String
    public var role: ProcessRole
    public var service: String
    public var replica: Int
    public var pid: Int32
    /// Field 22 of /proc/PID/stat (clock ticks after boot): with `pid`, identifies the process across pid reuse.
    public var startTime: UInt64
    /// Hash of what was started (argv, environment, directory): a different hash means the process must be replaced.
    public var commandHash: String
    /// JSON object of the ports the process owns, for example `{"inbound":20001,"admin":20002}`.
    public var ports: Data
    public var logPath: String
    /// Free-form lifecycle state chosen by the reconciler, for example `starting`, `running`, `draining`.
    public var state: String
    public var updatedAt: Date
    /// The revision of the desired process this instance was started from.
    public var revision: String
    /// The slot's restart backoff, kept with its process so that a restarted operator goes on where the last one
    /// stopped instead of restarting a crash-looping replica at once: exits of the slot so far (RESTARTS),
    /// exits since its last healthy run, and after an exit the wall-clock time before which no new instance starts.
    public var restarts: Int
    public var consecutiveFailures: Int
    public var restartNotBefore: Date?

    public init(
        id: String,
        role: ProcessRole,
        service: String,
        replica: Int,
        pid: Int32,
        startTime: UInt64,
        commandHash: String,
        ports: Data = Data("{}".utf8),
        logPath: String,
        state: String,
        updatedAt: Date = Date(),
        revision: String = "",
        restarts: Int = 0,
        consecutiveFailures: Int = 0,
        restartNotBefore: Date? = nil
    ) {
        self.id = id
        self.role = role
        self.service = service
        self.replica = replica
        self.pid = pid
        self.startTime = startTime
        self.commandHash = commandHash
        self.ports = ports
        self.logPath = logPath
        self.state = state
        self.updatedAt = updatedAt
        self.revision = revision
        self.restarts = restarts
        self.consecutiveFailures = consecutiveFailures
        self.restartNotBefore = restartNotBefore
    }
}
