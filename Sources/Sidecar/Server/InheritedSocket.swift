import SidecarConfig
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A listening socket this proxy was started with (`InheritedListener`), taken once by the listener whose address
/// it is bound to. Checked before use: it must be a listening TCP socket on that very port, else the listener binds
/// as usual (a proxy started by hand with stdin from a terminal, or a socket for another address).
public final class InheritedSocket: Sendable {
    /// The configured listener address the socket stands for (`127.0.0.1:20345`).
    public let address: String
    private let descriptor: Mutex<Int32?>

    public init(address: String, descriptor: Int32) {
        self.address = address
        self.descriptor = Mutex(descriptor)
    }

    /// From the proxy's environment: nil when the operator handed it no socket.
    public static func fromEnvironment(_ environment: [String: String]) -> InheritedSocket? {
        guard let address = environment[InheritedListener.environmentVariable], !address.isEmpty else { return nil }
        return InheritedSocket(address: address, descriptor: InheritedListener.descriptor)
    }

    /// The descriptor, once, for the listener configured at `configured` bound to `port`; nil for any other, or when it
    /// is not a listening socket on that port. What was wrong is in `problem`.
    func take(configured: String, port: Int) -> (descriptor: Int32?, problem: String?) {
        guard configured == address else { return (nil, nil) }
        guard let fd = descriptor.withLock({ value -> Int32? in defer { value = nil }; return value }) else { return (nil, nil) }
        if let problem = InheritedListener.problem(fd, port: port) { return (nil, problem) }
        return (fd, nil)
    }
}
