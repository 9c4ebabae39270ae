import Foundation
import Logging
import ProcessRuntime
import SidecarConfig
import Testing

@testable import OperatorCore

#if canImport(Glibc)
import Glibc
#endif

/// The operator's kept outbound sockets with real processes: a child started with one accepts from that very
/// socket (its stdin), a restarted operator recovers it from the child with `pidfd_getfd`, and a child without one
/// is refused with the reason (the fallback: that sidecar binds its port itself at its next start).
@Suite("listener keeper")
struct ListenerKeeperTests {
    private func sleeper(listeningSocket: Int32?) async throws -> (LocalProcessRuntime, ProcessHandle) {
        let runtime = LocalProcessRuntime()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("keeper-\(UUID().uuidString).log").path
        let handle = try await runtime.spawn(ProcessSpec(arguments: ["/bin/sleep", "30"], logPath: log,
                                                         listeningSocket: listeningSocket))
        return (runtime, handle)
    }

    @Test func aChildGetsTheKeptSocketAsStdinAndARestartedOperatorRecoversIt() async throws {
        let port = PortProbe.pickFree()
        let keeper = ListenerKeeper(logger: Logger(label: "test"))
        let fd = try #require(keeper.socket(forPort: port))
        #expect(keeper.socket(forPort: port) == fd, "one socket per port")
        let (runtime, child) = try await sleeper(listeningSocket: fd)
        defer { Task { _ = await runtime.stop(child, grace: .seconds(1)) } }

        // Another operator (no socket held) takes a copy from the child: the same socket, listening on the port.
        let copy = try ListenerKeeper.copyListener(pid: child.pid, port: port).get()
        defer { close(copy) }
        let ours = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")
        let theirs = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(copy)")
        #expect(ours.hasPrefix("socket:") && ours == theirs, "the same open socket, not a new one")

        // Closed by the keeper, the port stays held while the child has it; free once the child is gone.
        keeper.retain(ports: [])
        #expect(!PortProbe.isFree(port))
        close(copy)
        _ = await runtime.stop(child, grace: .seconds(1))
        #expect(PortProbe.isFree(port))
    }

    @Test func aChildWithoutAKeptSocketIsNotTakenForOne() async throws {
        let (runtime, child) = try await sleeper(listeningSocket: nil)
        defer { Task { _ = await runtime.stop(child, grace: .seconds(1)) } }
        let result = ListenerKeeper.copyListener(pid: child.pid, port: PortProbe.pickFree())
        guard case .failure(let problem) = result else {
            Issue.record("recovered a socket from a process that has none")
            return
        }
        #expect(problem.description.contains("not a socket"), "\(problem)")
        _ = await runtime.stop(child, grace: .seconds(1))
    }

    /// A sidecar started beside its predecessor in a data-plane upgrade binds its own socket (its fd 0 is not it):
    /// the keeper finds that socket among its descriptors and holds a copy, so the sidecar's first kill leaves the
    /// port listening (connections queue) instead of refusing them.
    @Test func aProcessThatBoundItsOwnSocketHasItHeldAndItsKillRefusesNothing() async throws {
        let port = PortProbe.pickFree()
        let runtime = LocalProcessRuntime()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("keeper-\(UUID().uuidString).log").path
        let script = """
            import socket, time
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            s.bind(("127.0.0.1", \(port)))
            s.listen(16)
            time.sleep(30)
            """
        let child = try await runtime.spawn(ProcessSpec(arguments: ["/usr/bin/python3", "-c", script], logPath: log))
        defer { Task { _ = await runtime.stop(child, grace: .seconds(1)) } }
        for _ in 0..<100 where PortProbe.isFree(port) { try await Task.sleep(for: .milliseconds(50)) }
        try #require(!PortProbe.isFree(port), "the child listens")

        let keeper = ListenerKeeper(logger: Logger(label: "test"))
        let own = try #require(keeper.adopt(instance: "svc/sidecar/0@new#\(child.pid)", pid: child.pid, port: port),
                               "fd 0 is not its socket: it is looked for among its descriptors")
        keeper.adoptListening([own])
        let held = try #require(keeper.sockets[port], "the child's own socket is held")
        #expect(InheritedListener.problem(held, port: port) == nil)

        _ = await runtime.stop(child, grace: .seconds(1))
        #expect(Self.connects(port: port), "the held socket queues the connection while nothing accepts")
        keeper.retain(ports: [])
        #expect(!Self.connects(port: port), "refused once the keeper lets go too")
    }

    /// /proc/net/tcp, read a line at a time, gives the listener's inode among many connected sockets (its own
    /// accepted ones and the clients', all on the same port numbers) and nothing for a port that does not listen.
    @Test func theListenersInodeIsFoundAmongManyConnectedSockets() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(listener >= 0)
        defer { close(listener) }
        let port = PortProbe.pickFree()
        try #require(PortProbe.bindLoopback(listener, port: port), "bound to 127.0.0.1:\(port)")
        try #require(listen(listener, 512) == 0)
        var clients: [Int32] = []
        defer { clients.forEach { close($0) } }
        for _ in 0..<300 {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { break }
            clients.append(fd)
            try #require(connectLoopback(fd, port: port) == 0)
        }
        let inode = try #require(ListenerKeeper.socketDescriptors(of: getpid()).first { $0.0 == listener }?.1)
        let found = ListenerKeeper.listeningInodes(ports: [port, 1])
        #expect(found == [inode: port], "exactly the listener, among \(clients.count) connections")
    }

    /// Whether a TCP connect to 127.0.0.1:`port` completes (a listening socket's backlog completes it).
    private static func connects(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return connectLoopback(fd, port: port) == 0
    }
}
