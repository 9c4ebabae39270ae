import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A non-blocking TCP connection to 127.0.0.1 whose every wait ends at one deadline (`poll`), for `GRPCHealthProbe`.
final class ProbeSocket {
    private let descriptor: CInt
    private let deadline: ContinuousClock.Instant

    init?(port: Int, deadline: ContinuousClock.Instant) {
        guard (1...65535).contains(port) else { return nil }
        let fd = socket(AF_INET, CInt(SOCK_STREAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        descriptor = fd
        self.deadline = deadline
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = in_addr_t(UInt32(0x7F00_0001).bigEndian)
        let started = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if started != 0 {
            var error: CInt = 0
            var length = socklen_t(MemoryLayout<CInt>.size)
            guard errno == EINPROGRESS, wait(for: Int16(POLLOUT)),
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) == 0, error == 0
            else {
                Glibc.close(fd)
                return nil
            }
        }
    }

    func close() { Glibc.close(descriptor) }

    /// Sends all of `bytes`; false on an error or the deadline.
    func send(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, CInt(MSG_NOSIGNAL)) }
            if sent > 0 {
                offset += sent
            } else if sent < 0 && (errno == EAGAIN || errno == EINTR) {
                guard wait(for: Int16(POLLOUT)) else { return false }
            } else {
                return false
            }
        }
        return true
    }

    /// Some bytes; nil at end of stream, on an error or at the deadline.
    func receive() -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 { return Array(buffer[..<count]) }
            if count == 0 { return nil }
            guard errno == EAGAIN || errno == EINTR, wait(for: Int16(POLLIN)) else { return nil }
        }
    }

    /// Waits for `events` until the deadline.
    private func wait(for events: Int16) -> Bool {
        while true {
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else { return false }
            let milliseconds = max(1, Int32(left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000))
            var entry = pollfd(fd: descriptor, events: events, revents: 0)
            let ready = poll(&entry, 1, milliseconds)
            if ready > 0 { return true }
            if ready < 0 && errno == EINTR { continue }
            if ready == 0 { continue }  // the loop's guard ends it at the deadline
            return false
        }
    }
}

/// HTTP/2 frames out of a byte stream (RFC 9113 §4.1), at most 1 MiB held.
struct FrameReader {
    struct Frame {
        var type: UInt8
        var flags: UInt8
        var stream: UInt32
        var bytes: ArraySlice<UInt8>

        /// The payload less padding, for a frame with the PADDED flag.
        func payload(padded: Bool) -> [UInt8] {
            guard padded, let pad = bytes.first else { return Array(bytes) }
            let body = bytes.dropFirst()
            return Array(body.dropLast(min(Int(pad), body.count)))
        }
    }

    private var buffer: [UInt8] = []

    mutating func next(from socket: ProbeSocket) -> Frame? {
        while true {
            if buffer.count >= 9 {
                let length = Int(buffer[0]) << 16 | Int(buffer[1]) << 8 | Int(buffer[2])
                if buffer.count >= 9 + length {
                    let stream = buffer[5...8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } & 0x7FFF_FFFF
                    let frame = Frame(type: buffer[3], flags: buffer[4], stream: stream, bytes: buffer[9..<(9 + length)])
                    buffer.removeFirst(9 + length)
                    return frame
                }
            }
            guard buffer.count < 1 << 20, let more = socket.receive() else { return nil }
            buffer += more
        }
    }
}
