import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds the descriptor of a NIO socket channel, for `SocketWriter`.
///
/// NIO does not hand out the descriptor of a channel it accepted or connected, but names it in the channel's
/// description ("SocketChannel { BaseSocket { fd=12 }, …"). That text is not an API, so the number is trusted only
/// when the socket behind it has exactly the channel's local and remote addresses; anything else (another NIO
/// version, a non-IP channel) gives nil, and the connection simply keeps writing through NIO.
enum SocketDescriptor {
    static func of(_ channel: any Channel) -> CInt? {
        guard let local = channel.localAddress, let remote = channel.remoteAddress else { return nil }
        let text = String(describing: channel)
        guard let marker = text.firstRange(of: "fd=") else { return nil }
        let digits = text[marker.upperBound...].prefix { $0.isASCII && $0.isNumber }
        guard let fd = CInt(digits), fd >= 0 else { return nil }
        guard matches(fd, local, getsockname), matches(fd, remote, getpeername) else { return nil }
        return fd
    }

    private typealias NameCall = (CInt, UnsafeMutablePointer<sockaddr>, UnsafeMutablePointer<socklen_t>) -> CInt

    /// Whether the socket `fd`'s address (as `call` reads it) is `address`: same family, IP and port.
    private static func matches(_ fd: CInt, _ address: SocketAddress, _ call: NameCall) -> Bool {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { call(fd, $0, &length) }
        }
        guard result == 0 else { return false }
        // Compared as bytes (sockaddr_in: family, port, address at 0..<8; sockaddr_in6: port at 2..<4, address
        // at 8..<24), which keeps this free of the C structs' member names.
        let found = withUnsafeBytes(of: &storage) { Array($0) }
        switch address {
        case .v4(let v4):
            let expected = withUnsafeBytes(of: v4.address) { Array($0) }
            return storage.ss_family == sa_family_t(AF_INET) && found[0..<8] == expected[0..<8]
        case .v6(let v6):
            let expected = withUnsafeBytes(of: v6.address) { Array($0) }
            return storage.ss_family == sa_family_t(AF_INET6) && found[2..<4] == expected[2..<4]
                && found[8..<24] == expected[8..<24]
        case .unixDomainSocket:
            return false
        }
    }
}
