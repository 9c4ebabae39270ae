import Glibc

/// Why a process could not be started; the message is what a user sees in the object's status.
public enum ProcessRuntimeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The spec's `arguments` is empty.
    case emptyCommand
    /// The log file could not be opened.
    case cannotOpenLog(path: String, errno: Int32)
    /// The program could not be started (not found, not executable, bad working directory, ...).
    case spawnFailed(program: String, reason: String)

    public var description: String {
        switch self {
        case .emptyCommand:
            return "the command is empty"
        case .cannotOpenLog(let path, let errno):
            return "cannot open log file \(path): \(String(cString: strerror(errno)))"
        case .spawnFailed(let program, let reason):
            return "cannot start \(program): \(reason)"
        }
    }
}
