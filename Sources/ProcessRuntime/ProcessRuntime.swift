/// Starts, observes and stops the local processes the operator runs. `LocalProcessRuntime` is the real one,
/// `FakeProcessRuntime` an in-memory stand-in for tests of the reconciler.
///
/// There is no `adopt`: a handle recorded by an earlier operator works with `observe` and `stop` as it is, because
/// identity is pid plus /proc start time, not a parent-child relation.
public protocol ProcessRuntime: Sendable {
    /// Starts a process in its own session and process group, output appended to `spec.logPath`. The process does
    /// not depend on the calling task or on the operator: cancelling the caller, or killing the operator, leaves it
    /// running.
    /// - Throws: `ProcessRuntimeError`.
    func spawn(_ spec: ProcessSpec) async throws -> ProcessHandle

    /// Whether the process is running, has exited, or is gone. Never confuses a reused pid with the process.
    func observe(_ handle: ProcessHandle) async -> ProcessObservation

    /// SIGTERM to the process group, up to `grace` to exit, then SIGKILL. Idempotent; never signals a reused pid.
    func stop(_ handle: ProcessHandle, grace: Duration) async -> StopOutcome

    /// The last `lines` lines of a log file (fewer if it is shorter; empty if it is missing).
    func tail(logPath: String, lines: Int) async -> [String]

    /// Terminations of this runtime's own children from now on, each as soon as it is reaped.
    func terminations() -> AsyncStream<ProcessTermination>

    /// How long the process has been running, from the system's record of its start; nil when it is not running
    /// or that is unknown. A restarted operator judges an adopted process's run by it (healthy after a long run,
    /// or still crash-looping), where its own memory of the start is gone.
    func runningTime(of handle: ProcessHandle) async -> Duration?
}
