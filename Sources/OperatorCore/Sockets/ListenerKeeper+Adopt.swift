import Logging
import ProcessRuntime
import SidecarConfig

#if canImport(Glibc)
import Glibc
#endif

extension ListenerKeeper {
    /// Holds a running sidecar's outbound socket when the keeper has none for its port, so that the sidecar's next
    /// restart finds the socket still listening: after an operator restart, and after a data-plane upgrade (the
    /// replacement, started beside its predecessor, bound a socket of its own, and the keeper let go of the old one).
    /// First its fd 0 (`InheritedListener`), copied with `pidfd_getfd` (Linux 5.6+, glibc 2.36+; needs the right to
    /// ptrace the sidecar: root or CAP_SYS_PTRACE, or the same user under Yama's `ptrace_scope` 0). When fd 0 is not
    /// the socket (the sidecar bound its own), the sidecar is returned for `adoptListening`, which finds the socket
    /// among its descriptors; the caller gathers a pass's sidecars for one look. Any other failure is logged with the
    /// reason and not tried again for that instance: until it is restarted, a kill of it refuses its workload's calls
    /// while it restarts, as before kept sockets.
    /// (The caller has just observed `pid` running as that instance; a reused pid would not hold a listener on
    /// this port, which is checked.)
    func adopt(instance: String, pid: Int32, port: Int) -> Listening? {
        guard sockets[port] == nil, !adoptionTried.contains(instance) else { return nil }
        let ownSocket = Listening(instance: instance, pid: pid, ports: [port])
        if bindsOwnSocket.contains(instance) { return ownSocket }
        switch Self.copyListener(pid: pid, port: port) {
        case .success(let fd):
            adoptionTried.insert(instance)
            keep(fd, port: port)
            logger.info("recovered the outbound socket 127.0.0.1:\(port) from \(instance) (pid \(pid))")
            return nil
        case .failure(let problem) where problem.isAnotherDescriptor:
            bindsOwnSocket.insert(instance)
            return ownSocket
        case .failure(let problem):
            adoptionTried.insert(instance)
            logger.warning("""
                cannot recover the outbound socket 127.0.0.1:\(port) from \(instance) (pid \(pid)): \(problem); \
                until it is restarted, a kill of it refuses its workload's calls while it restarts
                """)
            return nil
        }
    }

    /// Forgets instances that are gone, so the set stays as small as the mesh.
    func forgetAdoptions(keeping instances: Set<String>) {
        adoptionTried.formIntersection(instances)
        bindsOwnSocket.formIntersection(instances)
    }

    /// A copy (close-on-exec) of `pid`'s fd 0, checked to be a listening socket on 127.0.0.1:`port`.
    static func copyListener(pid: Int32, port: Int) -> Result<Int32, ListenerProblem> {
        guard ProcessDescriptor.isAvailable else {
            return .failure(ListenerProblem("the C library has no pidfd_open/pidfd_getfd (glibc 2.36+)"))
        }
        let pidfd = ProcessDescriptor.open(pid)
        guard pidfd >= 0 else { return .failure(ListenerProblem("pidfd_open: \(String(cString: strerror(errno)))")) }
        defer { close(pidfd) }
        let fd = ProcessDescriptor.copy(InheritedListener.descriptor, from: pidfd)
        guard fd >= 0 else {
            let code = errno
            let reason = String(cString: strerror(code))
            let hint = code == EPERM ? " (needs root or CAP_SYS_PTRACE)" : ""
            // No fd 0 at all (EBADF): not the kept socket either; look for the one it bound.
            return .failure(ListenerProblem("pidfd_getfd: \(reason)\(hint)", isAnotherDescriptor: code == EBADF))
        }
        if let problem = InheritedListener.problem(fd, port: port) {
            close(fd)
            return .failure(ListenerProblem("its fd 0 is \(problem) (it bound a socket of its own)", isAnotherDescriptor: true))
        }
        return .success(fd)
    }
}
