#if canImport(Glibc)
import Glibc
#endif

/// Loopback ports: whether one is free right now, and a free one picked by the kernel. Used when the port book
/// hands out a new port (so a port held by something else is skipped instead of fought over), and by the demo and
/// tests to find ports for their manifests.
public enum PortProbe {
    /// Binds the port on 127.0.0.1 and lets go.
    public static func isFree(_ port: Int) -> Bool {
        withBoundSocket(port: port) { _ in true } ?? false
    }

    /// A free port in 10000–19999: below Linux's ephemeral range (32768–60999), so a client connection cannot take
    /// it between now and the moment a service binds it, and apart from the operator's own port book (20000–29999).
    public static func pickFree() -> Int {
        let start = Int.random(in: 0..<10_000)
        for offset in 0..<10_000 {
            let port = 10_000 + (start + offset) % 10_000
            if isFree(port) { return port }
        }
        return 0
    }

    private static func withBoundSocket<T>(port: Int, _ body: (Int32) -> T) -> T? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return bindLoopback(fd, port: port) ? body(fd) : nil
    }

    /// Binds `fd` to 127.0.0.1:`port`; false (errno set) when it cannot.
    static func bindLoopback(_ fd: Int32, port: Int) -> Bool {
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// 127.0.0.1:`port` as a socket address.
    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
