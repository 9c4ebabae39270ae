import Logging
import ProcessRuntime
import SidecarConfig

#if canImport(Glibc)
import Glibc
#endif

extension ListenerKeeper {
    /// After an operator restart: takes a copy of a running sidecar's outbound socket (its fd 0, `InheritedListener`)
    /// with `pidfd_getfd` (Linux 5.6+, glibc 2.36+; needs the right to ptrace the sidecar: root or CAP_SYS_PTRACE, or
    /// the same user under Yama's `ptrace_scope` 0), so that the sidecar's next restart finds the socket still
    /// listening. Tried once per instance. When it fails (logged with the reason) the socket is not held, and the
    /// next restart of that sidecar binds a new one: until then a kill refuses connections, as before.
    /// (The caller has just observed `pid` running as that instance; a reused pid would not hold a listener on
    /// this port, which is checked.)
    func adopt(instance: String, pid: Int32, port: Int) {
        guard sockets[port] == nil, !adoptionTried.contains(instance) else { return }
        adoptionTried.insert(instance)
        switch Self.copyListener(pid: pid, port: port) {
        case .success(let fd):
            keep(fd, port: port)
            logger.info("recovered the outbound socket 127.0.0.1:\(port) from \(instance) (pid \(pid))")
        case .failure(let problem):
            logger.warning("""
                cannot recover the outbound socket 127.0.0.1:\(port) from \(instance) (pid \(pid)): \(problem); \
                until it is restarted, a kill of it refuses its workload's calls while it restarts
                """)
        }
    }

    /// Forgets instances that are gone, so the set stays as small as the mesh.
    func forgetAdoptions(keeping instances: Set<String>) {
        adoptionTried.formIntersection(instances)
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
            return .failure(ListenerProblem("pidfd_getfd: \(reason)\(hint)"))
        }
        if let problem = InheritedListener.problem(fd, port: port) {
            close(fd)
            return .failure(ListenerProblem("its fd 0 is \(problem) (a sidecar started before kept sockets)"))
        }
        return .success(fd)
    }
}
