#if canImport(Glibc)
import Glibc
#endif

/// How the operator hands a proxy a listening socket it keeps open across the proxy's restarts (socket activation, as
/// inetd and systemd's `StandardInput=socket` do it): the socket is the proxy's standard input, and this environment
/// variable names the listener address it stands for. The proxy accepts from it instead of binding that address, so
/// while no proxy runs (killed, restarting) the kernel queues the workload's connections instead of refusing them.
/// (A gateway, with many listeners, gets its sockets over its standard input instead: `ListenerPassing`.)
public enum InheritedListener {
    /// `MESH_LISTENER_STDIN=127.0.0.1:20345`: fd 0 is a listening TCP socket bound to that address.
    public static let environmentVariable = "MESH_LISTENER_STDIN"
    /// Standard input.
    public static let descriptor: Int32 = 0

    /// Why `fd` cannot serve a listener on 127.0.0.1:`port` (not a socket, not listening, another port); nil when it
    /// can. The proxy checks what it was given, the operator what it recovers from a running proxy.
    public static func problem(_ fd: Int32, port: Int) -> String? {
        var listening: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0 else { return "not a socket" }
        guard listening != 0 else { return "not a listening socket" }
        guard let address = boundAddress(fd) else { return "not a TCP/IPv4 socket" }
        guard address.port == port else { return "bound to port \(address.port), not \(port)" }
        return nil
    }

    /// `host:port` of a listening TCP/IPv4 socket, as a listener's address is configured; nil for anything else.
    public static func listeningAddress(_ fd: Int32) -> String? {
        guard let address = boundAddress(fd), problem(fd, port: address.port) == nil else { return nil }
        return "\(address.host):\(address.port)"
    }

    private static func boundAddress(_ fd: Int32) -> (host: String, port: Int)? {
        var address = sockaddr_in()
        var size = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &size) }
        }
        guard named == 0, address.sin_family == sa_family_t(AF_INET) else { return nil }
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        guard inet_ntop(AF_INET, &address.sin_addr, &text, socklen_t(text.count)) != nil else { return nil }
        return (String(cString: text), Int(UInt16(bigEndian: address.sin_port)))
    }
}
