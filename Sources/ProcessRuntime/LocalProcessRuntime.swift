import Foundation
import Glibc
import Subprocess
import SystemPackage

/// The real `ProcessRuntime`: children started with swift-subprocess, observed and stopped through /proc and signals.
///
/// Why a child survives its caller: swift-subprocess's `run` waits for the child to exit and kills it if the task
/// running it is cancelled. So each child's `run` goes in its own unstructured task that nothing cancels; `spawn`
/// returns as soon as the child has started, and that task stays behind only to reap the child (no zombies) and record
/// its exit status. The child gets its own session (`setsid`), so it leaves the operator's terminal and process group:
/// a ^C or a SIGKILL of the operator does not reach it, and the operator adopts it when it starts again.
public actor LocalProcessRuntime: ProcessRuntime {
    /// pid plus start time: the identity of a process across pid reuse.
    struct Identity: Hashable {
        var pid: Int32
        var startTime: UInt64
    }

    /// Children this runtime started whose `run` is still waiting for them.
    private var monitored: Set<Identity> = []
    /// How children ended, newest last; bounded because a crash-looping child adds one per restart.
    private var exits: [Identity: ExitStatus] = [:]
    private var exitOrder: [Identity] = []
    private let exitHistoryLimit = 1_024
    private let feed = TerminationFeed()
    /// Started at the first adopted process `observe` sees running.
    private var adoptedExits: AdoptedExitWatcher?

    public init() {}

    deinit {
        adoptedExits?.stop()
    }

    public func spawn(_ spec: ProcessSpec) async throws -> ProcessHandle {
        guard let program = spec.arguments.first else { throw ProcessRuntimeError.emptyCommand }
        let logFD = try Self.openLog(spec.logPath)

        var options = PlatformOptions()
        options.createSession = true
        let environment: Environment
        let variables = Dictionary(
            uniqueKeysWithValues: spec.environment.compactMap { key, value in
                Environment.Key(rawValue: key).map { ($0, value) }
            }
        )
        if spec.inheritEnvironment {
            environment = .inherit.updating(variables.mapValues { Optional($0) })
        } else {
            environment = .custom(variables)
        }
        let configuration = Configuration(
            executable: program.contains("/") ? .path(FilePath(program)) : .name(program),
            arguments: Arguments(Array(spec.arguments.dropFirst())),
            environment: environment,
            workingDirectory: spec.workingDirectory.map { FilePath($0) },
            platformOptions: options
        )
        let commandHash = spec.commandHash
        let logPath = spec.logPath
        let listeningSocket = spec.listeningSocket

        return try await withCheckedThrowingContinuation { continuation in
            // Unstructured on purpose (see the type's comment): the caller's cancellation must not reach the child.
            Task.detached { [self] in
                var started: ProcessHandle?
                do {
                    let status = try await Self.run(configuration, listeningSocket: listeningSocket, logFD: logFD) { pid in
                        // Read the start time here: until this body returns the child is not reaped, so its /proc
                        // entry exists even if it has already exited.
                        let handle = ProcessHandle(
                            pid: pid,
                            startTime: ProcStat.read(pid: pid)?.startTime ?? 0,
                            commandHash: commandHash,
                            logPath: logPath
                        )
                        await self.didStart(handle)
                        started = handle
                        continuation.resume(returning: handle)
                    }
                    if let started {
                        await self.didExit(started, status: ExitStatus(status))
                    }
                } catch {
                    if let started {
                        // Started, then monitoring failed: the child may still run; observe falls back to /proc.
                        await self.didLoseTrack(of: started)
                    } else {
                        continuation.resume(
                            throwing: ProcessRuntimeError.spawnFailed(
                                program: program,
                                reason: Self.reason(error, program: program)
                            )
                        )
                    }
                }
            }
        }
    }

    public func observe(_ handle: ProcessHandle) async -> ProcessObservation {
        let identity = Identity(handle)
        if let stat = ProcStat.read(pid: handle.pid), stat.startTime == handle.startTime, !stat.hasEnded {
            if !monitored.contains(identity) { watchAdopted(handle) }
            return .running
        }
        if let status = exits[identity] {
            return .exited(status)
        }
        if monitored.contains(identity) {
            // Our child has ended but its task has not recorded the status yet; that takes milliseconds.
            return .exited(await exitStatus(of: identity, waitingUpTo: .seconds(2)))
        }
        if let stat = ProcStat.read(pid: handle.pid), stat.startTime == handle.startTime {
            return .exited(nil)  // a zombie that some other parent has yet to reap
        }
        return .gone
    }

    public func stop(_ handle: ProcessHandle, grace: Duration) async -> StopOutcome {
        await Self.stop(handle, grace: grace)
    }

    public nonisolated func runningTime(of handle: ProcessHandle) async -> Duration? {
        guard let stat = ProcStat.read(pid: handle.pid), stat.startTime == handle.startTime, !stat.hasEnded else {
            return nil
        }
        return ProcStat.runningTime(sinceStartTicks: stat.startTime)
    }

    public nonisolated func tail(logPath: String, lines: Int) async -> [String] {
        LogTail.lastLines(ofRotatedLogAt: logPath, count: lines)
    }

    public nonisolated func terminations() -> AsyncStream<ProcessTermination> {
        feed.stream()
    }

    // MARK: - Child bookkeeping

    private func didStart(_ handle: ProcessHandle) {
        monitored.insert(Identity(handle))
    }

    private func didExit(_ handle: ProcessHandle, status: ExitStatus) {
        let identity = Identity(handle)
        monitored.remove(identity)
        exits[identity] = status
        exitOrder.append(identity)
        if exitOrder.count > exitHistoryLimit {
            exits.removeValue(forKey: exitOrder.removeFirst())
        }
        feed.yield(ProcessTermination(handle: handle, status: status))
    }

    /// A running process that is not our child: its exit is reported through `terminations()` as a child's is.
    private func watchAdopted(_ handle: ProcessHandle) {
        if adoptedExits == nil {
            adoptedExits = AdoptedExitWatcher { [feed] ended in feed.yield(ProcessTermination(handle: ended, status: nil)) }
        }
        adoptedExits?.watch(handle)
    }

    private func didLoseTrack(of handle: ProcessHandle) {
        monitored.remove(Identity(handle))
    }

    /// Polls (bounded) for the status the child's task records once it has reaped the child.
    private func exitStatus(of identity: Identity, waitingUpTo timeout: Duration) async -> ExitStatus? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = exits[identity] { return status }
            if !monitored.contains(identity) { return exits[identity] }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return exits[identity]
    }

    // MARK: - Helpers

    /// `Subprocess.run` with stdin from `listeningSocket` (dup'ed onto fd 0 in the child; ours stays open) or none;
    /// `started` gets the child's pid while it is running (not yet reaped). Returns how the child ended.
    private static func run(
        _ configuration: Configuration, listeningSocket: Int32?, logFD: FileDescriptor,
        started: (Int32) async -> Void
    ) async throws -> TerminationStatus {
        let output = FileDescriptorOutput.fileDescriptor(logFD, closeAfterSpawningProcess: true)
        if let listeningSocket {
            let input = FileDescriptorInput.fileDescriptor(FileDescriptor(rawValue: listeningSocket),
                                                           closeAfterSpawningProcess: false)
            return try await Subprocess.run(configuration, input: input, output: output, error: .combinedWithOutput) {
                await started($0.processIdentifier.value)
            }.terminationStatus
        }
        return try await Subprocess.run(configuration, input: .none, output: output, error: .combinedWithOutput) {
            await started($0.processIdentifier.value)
        }.terminationStatus
    }

    private static func openLog(_ path: String) throws -> FileDescriptor {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        // O_APPEND: a restarted replica continues the same log; O_CLOEXEC: no other child inherits it.
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ProcessRuntimeError.cannotOpenLog(path: path, errno: errno) }
        return FileDescriptor(rawValue: fd)
    }

    /// Words a user can act on. swift-subprocess reports every failed exec (ENOENT, EACCES, ENOTDIR) as
    /// `executableNotFound`, so for a path the file itself is checked to tell "missing" from "not executable".
    private static func reason(_ error: any Error, program: String) -> String {
        guard let error = error as? SubprocessError else { return String(describing: error) }
        let errno = error.underlyingError?.rawValue
        if error.code == .failedToChangeWorkingDirectory {
            return "cannot change to the working directory" + (errno.map { ": " + String(cString: strerror($0)) } ?? "")
        }
        if error.code == .executableNotFound {
            var info = stat()
            guard program.contains("/"), stat(program, &info) == 0 else { return "command not found" }
            if info.st_mode & S_IFMT == S_IFDIR { return "is a directory" }
            return "permission denied (not executable)"
        }
        return errno.map { String(cString: strerror($0)) } ?? String(describing: error)
    }
}

extension LocalProcessRuntime.Identity {
    init(_ handle: ProcessHandle) {
        self.init(pid: handle.pid, startTime: handle.startTime)
    }
}

extension ExitStatus {
    init(_ status: TerminationStatus) {
        switch status {
        case .exited(let code): self = .code(code)
        case .signaled(let signal): self = .signal(signal)
        }
    }
}
