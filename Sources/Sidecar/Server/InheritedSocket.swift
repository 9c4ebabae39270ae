import SidecarConfig
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The listening sockets this proxy was started with (socket activation): a sidecar's one outbound socket as its
/// standard input (`InheritedListener`), or a gateway's sockets passed over its standard input (`ListenerPassing`).
/// Each is taken once, by the listener whose address it is bound to, and checked before use: it must be a listening
/// TCP socket on that very port, else the listener binds as usual (a proxy started by hand with stdin from a
/// terminal, or a socket for another address).
public final class InheritedSocket: Sendable {
    /// Configured listener address (`127.0.0.1:20345`) -> descriptor.
    private let descriptors: Mutex<[String: Int32]>
    /// Who else may accept from these sockets while this process runs.
    public enum Acceptors: Sendable {
        /// A sidecar's outbound socket: another proxy may be started on it by hand beside this one, so `ListenerSocket`
        /// accepts on a thread of its own (a wake-up that finds nothing to accept is normal there).
        case mayBeShared
        /// A gateway's sockets: only this process accepts from them (a replacement gateway binds its own), so NIO's
        /// server channel accepts on the loop.
        case thisProcessOnly
    }

    public let acceptors: Acceptors

    public init(_ descriptors: [String: Int32], acceptors: Acceptors) {
        self.descriptors = Mutex(descriptors)
        self.acceptors = acceptors
    }

    public convenience init(address: String, descriptor: Int32) {
        self.init([address: descriptor], acceptors: .mayBeShared)
    }

    /// From the proxy's environment: nil when the operator handed it no socket.
    public static func fromEnvironment(_ environment: [String: String]) -> InheritedSocket? {
        if let address = environment[InheritedListener.environmentVariable], !address.isEmpty {
            return InheritedSocket(address: address, descriptor: InheritedListener.descriptor)
        }
        guard let count = environment[ListenerPassing.environmentVariable].flatMap({ Int($0) }) else { return nil }
        var byAddress: [String: Int32] = [:]
        for fd in ListenerPassing.receive(from: InheritedListener.descriptor, count: count) {
            if let address = InheritedListener.listeningAddress(fd), byAddress[address] == nil {
                byAddress[address] = fd
            } else {
                close(fd)
            }
        }
        return byAddress.isEmpty ? nil : InheritedSocket(byAddress, acceptors: .thisProcessOnly)
    }

    /// The descriptor, once, for the listener configured at `configured` bound to `port`; nil for any other, or when it
    /// is not a listening socket on that port. What was wrong is in `problem`.
    func take(configured: String, port: Int) -> (descriptor: Int32?, problem: String?) {
        guard let fd = descriptors.withLock({ $0.removeValue(forKey: configured) }) else { return (nil, nil) }
        if let problem = InheritedListener.problem(fd, port: port) { return (nil, problem) }
        return (fd, nil)
    }
}
