import Foundation
import Glibc
import WakePipe

/// Sees the exit of processes this runtime did not start (adopted from an earlier operator) the moment it happens,
/// through Linux process descriptors (`pidfd_open`, 5.3+), polled together by one thread.
///
/// Why: a child's exit reaches the operator at once (its reaper task), but an adopted process is not our child, so
/// without this its exit was noticed only by the next periodic observation, up to a pass interval later. For a
/// sidecar that is that long of refused calls from its workload (the chaos soak: 10-22 failed calls per kill of an
/// adopted sidecar, 2 per kill of one the operator had started itself).
final class AdoptedExitWatcher: @unchecked Sendable {
    /// Written to when a descriptor is added, so the poll takes it in at once.
    private let wakePipe: WakePipe
    private let onExit: @Sendable (ProcessHandle) -> Void
    private let lock = NSLock()
    /// Guarded by `lock`: pidfd -> the process it stands for, and the processes watched.
    private var byDescriptor: [Int32: ProcessHandle] = [:]
    private var watched: Set<ProcessHandle> = []
    private var stopped = false

    /// nil where the C library has no `pidfd_open` (glibc before 2.36) or no pipe can be had: then observation
    /// alone notices adopted exits, as before.
    init?(onExit: @escaping @Sendable (ProcessHandle) -> Void) {
        guard ProcessDescriptor.isAvailable else { return nil }
        guard case .success(let pipe) = WakePipe.open() else { return nil }
        wakePipe = pipe
        self.onExit = onExit
        let thread = Thread { [self] in self.serve() }
        thread.name = "adopted-exits"
        thread.start()
    }

    /// Watches `handle` until it exits (once; later calls for it do nothing). Checks after opening the descriptor
    /// that the pid is still the same process (its start time), so a reused pid is never watched in its place.
    func watch(_ handle: ProcessHandle) {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped, !watched.contains(handle) else { return }
        let pidfd = ProcessDescriptor.open(handle.pid)
        guard pidfd >= 0 else { return }
        guard let stat = ProcStat.read(pid: handle.pid), stat.startTime == handle.startTime, !stat.hasEnded else {
            close(pidfd)
            return
        }
        byDescriptor[pidfd] = handle
        watched.insert(handle)
        wakePipe.wake()
    }

    /// Stops the thread (woken through the pipe) and closes every descriptor.
    func stop() {
        lock.lock()
        defer { lock.unlock() }
        guard !stopped else { return }
        stopped = true
        wakePipe.wake()  // under the lock: the thread closes the pipe under it too, so this never writes to a closed descriptor
    }

    private func serve() {
        while true {
            lock.lock()
            if stopped {
                for descriptor in byDescriptor.keys { close(descriptor) }
                byDescriptor.removeAll()
                wakePipe.close()
                lock.unlock()
                return
            }
            var polled = [pollfd(fd: wakePipe.readEnd, events: Int16(POLLIN), revents: 0)]
            polled += byDescriptor.keys.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            lock.unlock()
            // No timeout: a new descriptor and `stop` both come through the pipe, so an idle operator never wakes.
            guard poll(&polled, nfds_t(polled.count), -1) > 0 else { continue }
            if polled[0].revents != 0 { wakePipe.drain() }
            var ended: [ProcessHandle] = []
            lock.lock()
            for entry in polled.dropFirst() where entry.revents != 0 {
                guard let handle = byDescriptor.removeValue(forKey: entry.fd) else { continue }
                close(entry.fd)
                watched.remove(handle)
                ended.append(handle)
            }
            lock.unlock()
            for handle in ended { onExit(handle) }
        }
    }
}
