/// How a process ended.
public enum ExitStatus: Sendable, Hashable, Codable, CustomStringConvertible {
    /// It exited with this code.
    case code(Int32)
    /// A signal killed it (9 for SIGKILL, 15 for SIGTERM).
    case signal(Int32)

    public var description: String {
        switch self {
        case .code(let code): return "exit code \(code)"
        case .signal(let signal): return "killed by signal \(signal)"
        }
    }
}

/// What `observe` found.
public enum ProcessObservation: Sendable, Hashable {
    /// The pid exists, has the recorded start time, and is not a zombie.
    case running
    /// It ended while this runtime watched it; the status is known for the runtime's own children (nil otherwise).
    case exited(ExitStatus?)
    /// No such process: the pid is free or belongs to another process now (different start time). Typical for a
    /// process adopted from an earlier operator that died meanwhile.
    case gone
}

/// What `stop` had to do.
public enum StopOutcome: Sendable, Hashable {
    /// It was not running (already exited, or the pid is reused): nothing was signalled.
    case notRunning
    /// It ended within the grace period after SIGTERM.
    case terminated
    /// It outlived the grace period and was killed with SIGKILL.
    case killed
}
