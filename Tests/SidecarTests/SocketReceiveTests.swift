import CSocketReceive
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `read` on a descriptor marked with `mesh_receive_with_recv` is recv(2) (CSocketReceive, defined for the whole
/// test binary as for the proxy): the same bytes, end of file and EAGAIN, no read(2) counted by the kernel; on a
/// marked descriptor that is no socket, read(2) as before.
@Suite("read(2) as recv(2) on marked sockets", .serialized)
struct SocketReceiveTests {
    @Test("a marked loopback socket reads the same bytes, then EAGAIN, then end of file, and makes no read(2)")
    func markedSocket() throws {
        let (client, server) = try Self.loopbackPair()
        defer { close(server); mesh_receive_with_recv(server, 0) }
        mesh_receive_with_recv(server, 1)
        let before = Self.readCalls()
        for round in 0..<20 {
            let message = Array("request \(round)".utf8)
            client.send(message)
            #expect(Self.readOnce(server, count: 64) == message)
        }
        // Counted by this thread's /proc entry: recv(2) is not, read(2) is (plus one for reading the entry itself).
        #expect(Self.readCalls() - before <= 2, "read(2) calls: \(Self.readCalls() - before)")
        _ = fcntl(server, F_SETFL, fcntl(server, F_GETFL) | O_NONBLOCK)
        var byte: UInt8 = 0
        #expect(read(server, &byte, 1) == -1)
        #expect(errno == EAGAIN)
        client.shutdownWrite()
        #expect(read(server, &byte, 1) == 0)
    }

    @Test("an unmarked socket, and a marked descriptor that is a pipe, are read with read(2)")
    func unmarkedAndNotSocket() throws {
        let (client, server) = try Self.loopbackPair()
        defer { close(server) }
        var before = Self.readCalls()
        for _ in 0..<20 {
            client.send("x")
            #expect(Self.readOnce(server, count: 8) == Array("x".utf8))
        }
        #expect(Self.readCalls() - before >= 20)
        var pipeEnds: [Int32] = [-1, -1]
        try #require(pipe(&pipeEnds) == 0)
        defer { close(pipeEnds[0]); close(pipeEnds[1]); mesh_receive_with_recv(pipeEnds[0], 0) }
        // A stale mark on a number reused by a pipe: recv fails with ENOTSOCK, and the pipe is read all the same.
        mesh_receive_with_recv(pipeEnds[0], 1)
        before = Self.readCalls()
        #expect(write(pipeEnds[1], "abc", 3) == 3)
        #expect(Self.readOnce(pipeEnds[0], count: 8) == Array("abc".utf8))
        #expect(Self.readCalls() - before >= 1)
    }

    /// One `read` of up to `count` bytes (nil on error).
    private static func readOnce(_ fd: Int32, count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        let got = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, count) }
        return got < 0 ? nil : Array(buffer[0..<got])
    }

    /// The kernel's count of read(2)-family calls by this thread (`syscr`; recv(2) is not one).
    private static func readCalls() -> Int {
        let fd = open("/proc/thread-self/io", O_RDONLY)
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 511, 0) }
        let text = String(decoding: buffer[0..<max(got, 0)], as: UTF8.self)
        let line = text.split(separator: "\n").first { $0.hasPrefix("syscr:") }
        return line.flatMap { Int($0.dropFirst("syscr:".count).drop { $0 == " " }) } ?? -1
    }

    /// A connected TCP pair on 127.0.0.1: the client, and the accepted side (the caller closes it).
    private static func loopbackPair() throws -> (RawClient, Int32) {
        let listener = PortFinder.bound(listening: true)
        defer { close(listener.fd) }
        let client = try RawClient(port: listener.port)
        let server = accept(listener.fd, nil, nil)
        try #require(server >= 0)
        return (client, server)
    }
}
