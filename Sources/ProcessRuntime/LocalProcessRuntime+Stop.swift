import Glibc

extension LocalProcessRuntime {
    /// SIGTERM, grace, SIGKILL; then the group's stragglers. Every signal is preceded by a start-time check, so a pid
    /// that now belongs to another process is never signalled.
    static func stop(_ handle: ProcessHandle, grace: Duration) async -> StopOutcome {
        guard isRunning(handle) else {
            killStragglers(of: handle)
            return .notRunning
        }
        signal(handle, SIGTERM)
        if await waitUntilEnded(handle, timeout: grace) {
            killStragglers(of: handle)
            return .terminated
        }
        signal(handle, SIGKILL)
        // SIGKILL cannot be caught; the wait only covers the kernel tearing the process down.
        _ = await waitUntilEnded(handle, timeout: .seconds(5))
        killStragglers(of: handle)
        return .killed
    }

    /// The pid exists, has the recorded start time, and has not ended.
    static func isRunning(_ handle: ProcessHandle) -> Bool {
        guard let stat = ProcStat.read(pid: handle.pid) else { return false }
        return stat.startTime == handle.startTime && !stat.hasEnded
    }

    /// Signals the process group the process leads (it was started with `setsid`), or the process alone if it leads
    /// none (for example a record from elsewhere).
    private static func signal(_ handle: ProcessHandle, _ signal: Int32) {
        guard isRunning(handle) else { return }
        let stat = ProcStat.read(pid: handle.pid)
        if stat?.processGroup == handle.pid {
            _ = kill(-handle.pid, signal)
        } else {
            _ = kill(handle.pid, signal)
        }
    }

    /// Polls every 10 ms until the process has ended or `timeout` passes; true if it ended.
    private static func waitUntilEnded(_ handle: ProcessHandle, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while isRunning(handle) {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// Kills what is left of the process's group once the leader has ended (a shell's children, say), so stopping a
    /// replica leaves nothing behind. Skipped when the leader's pid now belongs to another process: that process
    /// could lead a group of the same number, and it is not ours.
    private static func killStragglers(of handle: ProcessHandle) {
        if let stat = ProcStat.read(pid: handle.pid), stat.startTime != handle.startTime {
            return
        }
        // Processes of the group started after the leader: a group's members are the leader's descendants.
        for member in ProcStat.members(ofGroup: handle.pid)
        where member.pid != handle.pid && member.startTime >= handle.startTime && !member.hasEnded {
            _ = kill(member.pid, SIGKILL)
        }
    }
}
