import NIOCore
import NIOPosix
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import Sidecar

/// `SocketWriter` against real loopback sockets: the descriptor is found, whole writes skip NIO, a busy loop's
/// flushes wait for the end of its turn, and bytes a slow reader's socket cannot take go through NIO without being
/// reordered, after which direct sends resume.
@Suite("Socket writer", .serialized)
struct SocketWriterTests {
    @Test("an accepted connection's socket is found and a response goes out in direct sends")
    func directSends() async throws {
        let server = try await Self.serveHello(exchanges: nil)
        // The client can read the reply before the server's loop has published its count; wait for it.
        for _ in 0..<200 where server.counts.direct == 0 { try await Task.sleep(for: .milliseconds(5)) }
        let counts = server.counts
        #expect(counts.found)
        #expect(counts.direct >= 1)
        #expect(counts.channel == 0)
        await server.stop()
    }

    @Test("on a busy loop a flush waits for the end of the turn and goes out then; a lone exchange's goes at once")
    func batchedOnlyWhenBusy() async throws {
        for (exchanges, expectedBeforeTurnEnd) in [(2, 0), (1, 1)] {
            let server = try await Self.serveHello(exchanges: exchanges)
            // The end-of-turn count is published by a task queued after the batch's; wait for it.
            for _ in 0..<200 where server.counts.direct == 0 { try await Task.sleep(for: .milliseconds(5)) }
            let counts = server.counts
            #expect(counts.directBeforeTurnEnd == expectedBeforeTurnEnd, "exchanges in progress: \(exchanges)")
            #expect(counts.direct == 1)
            await server.stop()
        }
    }

    /// A server answering its first request with one flushed "hello", asked once; checks the reply.
    private static func serveHello(exchanges: Int?) async throws -> WriterServer {
        let server = try await WriterServer(exchanges: exchanges) { request in
            request == 1 ? [.init(flush: true, bytes: Array("hello".utf8))] : []
        }
        let reply = try await offPool {
            let client = try RawClient(port: server.port)
            client.send("1")
            return try client.read(count: 5)
        }
        #expect(String(decoding: reply, as: UTF8.self) == "hello")
        return server
    }

    @Test("bytes NIO holds are never overtaken: a later write queues behind them, and direct sends resume after")
    func queuedBytesKeepOrder() async throws {
        let big = pattern(seed: 3, count: 4 * 1024 * 1024)
        let marker = Array("-END-".utf8)
        // Request 1, in one event-loop turn: a 4 MiB write the small socket buffers cannot take (NIO queues the
        // rest); then, with the loop still busy so NIO cannot send more, wait until the client has read all the
        // socket held (room in the socket, bytes still in NIO); then a small write, which must queue behind them.
        // Request 2: three writes and one flush (one vectored send), after NIO has written everything.
        let server = try await WriterServer(sendBuffer: 4096) { request in
            switch request {
            case 1: return [.init(flush: true, bytes: big), .init(flush: true, bytes: marker, waitForDrain: true)]
            case 2:
                return [.init(flush: false, bytes: Array("a".utf8)), .init(flush: false, bytes: Array("bc".utf8)),
                        .init(flush: true, bytes: Array("def".utf8))]
            default: return []
            }
        }
        let (first, afterFirst, second) = try await offPool {
            let client = try RawClient(port: server.port, receiveBuffer: 4096)
            client.send("1")
            let first = try client.read(count: big.count + marker.count)
            let afterFirst = server.counts
            client.send("2")
            return (first, afterFirst, try client.read(count: 6))
        }
        #expect(first.count == big.count + marker.count)
        // Compared without printing megabytes on failure: the first differing offset, if any.
        let expected = big + marker
        let firstDifference = zip(first, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
        #expect(firstDifference == nil, "bytes out of order from this offset on (the marker overtook queued bytes)")
        #expect(afterFirst.drainSeen, "the socket never drained while NIO held bytes: the test proved nothing")
        #expect(afterFirst.channel > 0, "the small socket should have made the writer hand bytes to NIO")
        #expect(String(decoding: second, as: UTF8.self) == "abcdef")
        let end = server.counts
        #expect(end.channel == afterFirst.channel, "once NIO drained, writes go direct again")
        #expect(end.direct == afterFirst.direct + 1)
        await server.stop()
    }
}

private func pattern(seed: Int, count: Int) -> [UInt8] {
    (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 7 &+ seed &* 13) % 251) }
}

import Foundation

/// A loopback server whose connections answer each read (one "request") with writes through a `SocketWriter`.
private final class WriterServer: Sendable {
    struct Write: Sendable {
        var flush: Bool
        var bytes: [UInt8]
        /// Before this write, block the event loop until the socket's send queue is empty (at most 2 s).
        var waitForDrain = false
    }
    struct Counts: Sendable {
        var found = false
        var direct = 0
        var channel = 0
        /// Direct sends counted right after a request's writes, before the loop's turn ended.
        var directBeforeTurnEnd = 0
        /// A `waitForDrain` saw the send queue empty.
        var drainSeen = false
    }

    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let channel: any Channel
    let port: Int
    final class SharedCounts: Sendable {
        let value = Mutex(Counts())
    }
    private let shared = SharedCounts()
    var counts: Counts { shared.value.withLock { $0 } }

    /// `exchanges`: when set, writes go through a `WriteBatch` that believes this many exchanges are in progress.
    init(sendBuffer: Int? = nil, exchanges: Int? = nil, plan: @escaping @Sendable (Int) -> [Write]) async throws {
        let counts = self.shared
        var bootstrap = ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(plan: plan, exchanges: exchanges, counts: counts))
                }
            }
        if let sendBuffer {
            bootstrap = bootstrap.childChannelOption(.socketOption(.so_sndbuf), value: SocketOptionValue(sendBuffer))
        }
        channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        port = channel.localAddress?.port ?? 0
    }

    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let writer = SocketWriter()
        let plan: @Sendable (Int) -> [Write]
        let counts: SharedCounts
        let exchanges: Int?
        var requests = 0

        init(plan: @escaping @Sendable (Int) -> [Write], exchanges: Int?, counts: SharedCounts) {
            self.plan = plan
            self.exchanges = exchanges
            self.counts = counts
        }

        func channelActive(context: ChannelHandlerContext) {
            var batch: WriteBatch? = nil
            if let exchanges {
                batch = WriteBatch(eventLoop: context.eventLoop)
                batch?.exchangesInProgress = exchanges
            }
            writer.attach(context.channel, batch: batch)
            let found = writer.isDirect
            counts.value.withLock { $0.found = found }
        }

        func channelInactive(context: ChannelHandlerContext) { writer.detach() }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            requests += 1
            for write in plan(requests) {
                if write.waitForDrain, let fd = SocketDescriptor.of(context.channel) {
                    let drained = waitUntilSent(fd)
                    counts.value.withLock { $0.drainSeen = $0.drainSeen || drained }
                }
                perform(write, context: context)
            }
            let direct = writer.directSends
            counts.value.withLock { $0.directBeforeTurnEnd = direct }
            publish()
            // Runs after anything the writes scheduled for the end of this turn (tasks run in order).
            context.eventLoop.assumeIsolated().execute { self.publish() }
        }

        /// Polls the socket's unsent byte count (SIOCOUTQ) until it is zero; true if it got there within 2 s.
        private func waitUntilSent(_ fd: CInt) -> Bool {
            for _ in 0..<2000 {
                var unsent: CInt = 0
                if ioctl(fd, UInt(0x5411), &unsent) == 0 && unsent == 0 { return true }
                usleep(1000)
            }
            return false
        }

        private func perform(_ write: Write, context: ChannelHandlerContext) {
            let buffer = context.channel.allocator.buffer(bytes: write.bytes)
            if write.flush { writer.writeAndFlush(buffer, context: context) } else { writer.write(buffer, context: context) }
        }

        private func publish() {
            let (direct, channel) = (writer.directSends, writer.channelWrites)
            counts.value.withLock {
                $0.direct = direct
                $0.channel = channel
            }
        }
    }
}
