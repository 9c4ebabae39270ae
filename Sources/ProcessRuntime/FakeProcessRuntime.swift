/// An in-memory `ProcessRuntime` for tests of the reconciler: no processes, full control over what "happens".
///
/// Pids start at 10 000 and start times count up, so handles are unique and a reused pid can be simulated with
/// `reusePID(of:)`.
public actor FakeProcessRuntime: ProcessRuntime {
    /// What `spawn` does for a program (matched on `arguments[0]`).
    public enum SpawnBehaviour: Sendable, Hashable {
        /// It starts and runs until stopped or `exit(_:status:)`.
        case run
        /// `spawn` throws `ProcessRuntimeError.spawnFailed` with this reason (e.g. "command not found").
        case fail(reason: String)
        /// It starts and has exited by the first `observe`.
        case exitAtOnce(ExitStatus)
        /// It ignores SIGTERM, so `stop` has to kill it.
        case ignoreTerminate
    }

    private enum State: Hashable {
        case running(ignoresTerminate: Bool)
        case exited(ExitStatus)
        case gone
    }

    private var nextPID: Int32 = 10_000
    private var nextStartTime: UInt64 = 1
    private var states: [ProcessHandle: State] = [:]
    private var behaviours: [String: SpawnBehaviour] = [:]
    private var logs: [String: [String]] = [:]
    private var runningTimes: [ProcessHandle: Duration] = [:]
    private let feed = TerminationFeed()
    private var holding = false
    private var held: [CheckedContinuation<Void, Never>] = []

    /// Every spec `spawn` was called with, in order (including failed ones).
    public private(set) var spawnRequests: [ProcessSpec] = []
    /// Every handle `stop` was called with, in order.
    public private(set) var stopRequests: [ProcessHandle] = []

    public init() {}

    // MARK: ProcessRuntime

    public func spawn(_ spec: ProcessSpec) async throws -> ProcessHandle {
        spawnRequests.append(spec)
        if holding { await withCheckedContinuation { held.append($0) } }
        guard let program = spec.arguments.first else { throw ProcessRuntimeError.emptyCommand }
        let behaviour = behaviours[program] ?? .run
        if case .fail(let reason) = behaviour {
            throw ProcessRuntimeError.spawnFailed(program: program, reason: reason)
        }
        let handle = ProcessHandle(
            pid: nextPID,
            startTime: nextStartTime,
            commandHash: spec.commandHash,
            logPath: spec.logPath
        )
        nextPID += 1
        nextStartTime += 1
        switch behaviour {
        case .exitAtOnce(let status): exit(handle, status: status)
        case .ignoreTerminate: states[handle] = .running(ignoresTerminate: true)
        case .run, .fail: states[handle] = .running(ignoresTerminate: false)
        }
        return handle
    }

    public func observe(_ handle: ProcessHandle) async -> ProcessObservation {
        switch states[handle] {
        case .running?: return .running
        case .exited(let status)?: return .exited(status)
        case .gone?, nil: return .gone
        }
    }

    public func stop(_ handle: ProcessHandle, grace: Duration) async -> StopOutcome {
        stopRequests.append(handle)
        guard case .running(let ignoresTerminate)? = states[handle] else { return .notRunning }
        exit(handle, status: .signal(ignoresTerminate ? 9 : 15))
        return ignoresTerminate ? .killed : .terminated
    }

    public func tail(logPath: String, lines: Int) async -> [String] {
        Array(logs[logPath, default: []].suffix(max(0, lines)))
    }

    public nonisolated func terminations() -> AsyncStream<ProcessTermination> {
        feed.stream()
    }

    public func runningTime(of handle: ProcessHandle) async -> Duration? {
        guard case .running? = states[handle] else { return nil }
        return runningTimes[handle]
    }

    // MARK: Test controls

    /// Sets what `spawn` does for `program` from now on.
    public func setBehaviour(_ behaviour: SpawnBehaviour, for program: String) {
        behaviours[program] = behaviour
    }

    /// Every `spawn` from now on waits until `releaseSpawns()`: a pass starting a process is held there, after its
    /// compile and before its push.
    public func holdSpawns() { holding = true }

    /// Lets the held spawns go on, and stops holding.
    public func releaseSpawns() {
        holding = false
        let waiting = held
        held = []
        for spawn in waiting { spawn.resume() }
    }

    /// How many spawns are held now.
    public var heldSpawns: Int { held.count }

    /// The process exits with `status` (a crash, or a clean exit); `terminations()` reports it.
    public func exit(_ handle: ProcessHandle, status: ExitStatus) {
        states[handle] = .exited(status)
        feed.yield(ProcessTermination(handle: handle, status: status))
    }

    /// What `runningTime(of:)` reports for a running process (unknown until set).
    public func setRunningTime(_ duration: Duration, of handle: ProcessHandle) {
        runningTimes[handle] = duration
    }

    /// The process disappears without a known status, as one adopted from an earlier operator does.
    public func vanish(_ handle: ProcessHandle) {
        states[handle] = .gone
    }

    /// A process that was already running before this runtime existed (an earlier operator started it).
    public func insertRunning(_ handle: ProcessHandle) {
        states[handle] = .running(ignoresTerminate: false)
    }

    /// The pid now belongs to another process: the old handle is gone; the returned handle is the newcomer.
    @discardableResult
    public func reusePID(of handle: ProcessHandle) -> ProcessHandle {
        states[handle] = .gone
        let newcomer = ProcessHandle(pid: handle.pid, startTime: nextStartTime, commandHash: "", logPath: "")
        nextStartTime += 1
        states[newcomer] = .running(ignoresTerminate: false)
        return newcomer
    }

    /// Appends lines to a log that `tail` reads.
    public func appendLog(_ lines: [String], to path: String) {
        logs[path, default: []].append(contentsOf: lines)
    }

    /// The handles currently running, sorted by pid.
    public var runningHandles: [ProcessHandle] {
        states.compactMap { handle, state in
            if case .running = state { return handle }
            return nil
        }.sorted { $0.pid < $1.pid }
    }
}
