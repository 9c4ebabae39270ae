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
    /// True for a sidecar's socket, which a replacement sidecar may accept from at the same time (`ListenerSocket`
    /// then accepts on a thread of its own); false for a gateway's, which only this process accepts from.
    public let shared: Bool

    public init(_ descriptors: [String: Int32], shared: Bool) {
        self.descriptors = Mutex(descriptors)
        self.shared = shared
    }

    public convenience init(address: String, descriptor: Int32) {
        self.init([address: descriptor], shared: true)
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
        return byAddress.isEmpty ? nil : InheritedSocket(byAddress, shared: false)
    }

    /// The descriptor, once, for the listener configured at `configured` bound to `port`; nil for any other, or when it
    /// is not a listening socket on that port. What was wrong is in `problem`.
    func take(configured: String, port: Int) -> (descriptor: Int32?, problem: String?) {
        guard let fd = descriptors.withLock({ $0.removeValue(forKey: configured) }) else { return (nil, nil) }
        if let problem = InheritedListener.problem(fd, port: port) { return (nil, problem) }
        return (fd, nil)
    }
}
