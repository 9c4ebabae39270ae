import Logging
import SidecarConfig

#if canImport(Glibc)
import Glibc
#endif

/// The listening sockets of the sidecars' outbound ports, held by the operator (socket activation); a second keeper
/// holds the gateway's (ReconcileLoop+GatewaySockets.swift). Each sidecar is
/// started with its slot's socket as its standard input (`InheritedListener`) and accepts from it; the operator never
/// accepts. Because the operator's descriptor outlives every sidecar process, a killed sidecar leaves the socket
/// listening: the kernel queues its workload's connections (up to the backlog) until the restarted sidecar accepts
/// them, where before they were refused until it had bound again. A replacement started beside a running sidecar (a
/// data-plane upgrade) binds a socket of its own instead, and the keeper lets go of this one
/// (`ReconcileLoop.withOutboundSocket` says why); once the replacement runs alone, the keeper holds a copy of its socket.
///
/// One socket per port, the same open file description for every process of the slot: never a second socket in the
/// port's `SO_REUSEPORT` group that nobody accepts from. `SO_REUSEPORT` is still set, so the socket can be bound beside
/// a sidecar from before inherited sockets, which binds its own (its group steers new connections to the newest
/// socket, this one; `ReusePortSteering`), until that sidecar is replaced.
///
/// After an operator restart the sockets are recovered from the running sidecars (`adopt`, ListenerKeeper+Adopt.swift).
final class ListenerKeeper {
    /// Port -> the operator's descriptor (close-on-exec: no other child inherits it by accident).
    private(set) var sockets: [Int: Int32] = [:]
    /// Instances whose socket `adopt` or `adoptListening` already tried to recover (once each).
    var adoptionTried: Set<String> = []
    /// Sidecar instances whose fd 0 is not their outbound socket (they bound their own): found by `adoptListening`.
    var bindsOwnSocket: Set<String> = []
    /// When `adoptListening` last looked for processes' own listening sockets.
    var lastScan: ContinuousClock.Instant?
    let logger: Logger
    static let backlog: Int32 = 1024

    init(logger: Logger) {
        self.logger = logger
    }

    deinit {
        for fd in sockets.values { close(fd) }
    }

    /// The listening socket for 127.0.0.1:`port`: the one held, else a new one. nil (logged) when it cannot be bound,
    /// e.g. a process of another kind holds the port without `SO_REUSEPORT`: the sidecar then binds as before.
    func socket(forPort port: Int) -> Int32? {
        if let fd = sockets[port] { return fd }
        switch Self.listen(port: port) {
        case .success(let fd):
            sockets[port] = fd
            return fd
        case .failure(let problem):
            logger.warning("no kept socket for 127.0.0.1:\(port) (the proxy binds it itself): \(problem)")
            return nil
        }
    }

    /// Keeps `fd` as the socket of `port` (recovered from a running sidecar); a socket already held wins.
    func keep(_ fd: Int32, port: Int) {
        if sockets[port] == nil { sockets[port] = fd } else { close(fd) }
    }

    /// Lets go of the socket of `port` (the sidecars that have it keep it open while they run).
    func release(port: Int) {
        if let fd = sockets.removeValue(forKey: port) { close(fd) }
    }

    /// Closes the sockets of ports no sidecar uses any more (its slot removed, its port re-assigned): a socket kept
    /// past its last sidecar would queue connections nobody will ever accept.
    func retain(ports: Set<Int>) {
        for (port, fd) in sockets where !ports.contains(port) {
            close(fd)
            sockets[port] = nil
        }
    }

    /// A new listening TCP socket on 127.0.0.1:`port`, or why not.
    static func listen(port: Int) -> Result<Int32, ListenerProblem> {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(ListenerProblem("socket: \(String(cString: strerror(errno)))")) }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size))
        guard PortProbe.bindLoopback(fd, port: port), Glibc.listen(fd, backlog) == 0 else {
            let problem = ListenerProblem("bind/listen 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
            close(fd)
            return .failure(problem)
        }
        return .success(fd)
    }
}

/// Why a listening socket could not be had.
struct ListenerProblem: Error, CustomStringConvertible {
    var description: String
    /// The process's fd 0 is something else than its listening socket, which it bound itself (`adopt`).
    var isAnotherDescriptor: Bool
    init(_ description: String, isAnotherDescriptor: Bool = false) {
        self.description = description
        self.isAnotherDescriptor = isAnotherDescriptor
    }
}
