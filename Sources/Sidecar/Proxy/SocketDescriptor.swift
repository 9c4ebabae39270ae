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
        guard let fd = number(afterFDIn: String(describing: channel)) else { return nil }
        guard matches(fd, local, getsockname), matches(fd, remote, getpeername) else { return nil }
        return fd
    }

    /// The decimal number after the first "fd=" in `description`, if there is one of at most 9 digits. Scanned as
    /// bytes: `String.firstRange(of:)` and `Character.isNumber` would bring in the string-processing and Unicode
    /// property code for this one search, a few hundred kB of the binary resident in every proxy.
    static func number(afterFDIn description: String) -> CInt? {
        let bytes = Array(description.utf8)
        let marker = Array("fd=".utf8)
        guard bytes.count > marker.count,
            let start = (0...(bytes.count - marker.count)).first(where: { bytes[$0..<$0 + marker.count].elementsEqual(marker) })
        else { return nil }
        var value: CInt = 0
        var digits = 0
        for byte in bytes[(start + marker.count)...] {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { break }
            guard digits < 9 else { return nil }
            value = value * 10 + CInt(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits == 0 ? nil : value
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
