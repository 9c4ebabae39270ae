import NIOCore
import NIOPosix
import Synchronization

/// A tiny HTTP/1.1 upstream for tests, on 127.0.0.1 port 0, whose every answer a test decides: normal, slow,
/// failing, garbage, closing early, or streaming a huge body. It records what it received.
final class TestBackend: Sendable {
    struct Request: Sendable {
        var head: String
        var body: [UInt8]
        var connection: Int

        /// ("\r\n" is one Character in Swift, so the line is cut at that Character, not at "\r".)
        var requestLine: String { String(head.prefix { $0 != "\r\n" && $0 != "\r" && $0 != "\n" }) }
        /// The first value of a header, by case-insensitive name.
        func header(_ name: String) -> String? {
            for line in head.split(separator: "\r\n").dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                if line[..<colon].lowercased() == name.lowercased() {
                    return String(line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" })
                }
            }
            return nil
        }
    }

    indirect enum Reply: Sendable {
        /// Raw bytes, then keep the connection (or close it).
        case raw([UInt8], close: Bool = false)
        /// `delay` first.
        case delayed(milliseconds: Int64, Reply)
        /// Close without answering.
        case close
        /// A 200 with `count` body bytes sent in 64 KiB pieces as the socket takes them; `sent` counts them.
        case stream(count: Int)
    }

    typealias Behaviour = @Sendable (Request, Int) -> Reply

    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    private let state = Mutex<(requests: [Request], connections: Int, streamed: Int)>(([], 0, 0))
    let port: Int

    /// - Parameter respondBeforeBody: answer as soon as a head is in, ignoring any body (early responses).
    init(respondBeforeBody: Bool = false, _ behaviour: @escaping Behaviour) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        self.group = group
        let box = Mutex<TestBackend?>(nil)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let backend = box.withLock({ $0 }) else { return }
                    let index = backend.state.withLock { s in
                        s.connections += 1
                        return s.connections
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        BackendHandler(
                            connection: index, behaviour: behaviour, backend: backend, respondBeforeBody: respondBeforeBody))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        self.channel = channel
        self.port = channel.localAddress!.port!
        box.withLock { $0 = self }
    }

    static func ok(_ body: String = "ok\n", status: Int = 200, extra: String = "") -> Reply {
        .raw(Array("HTTP/1.1 \(status) X\r\ncontent-length: \(body.utf8.count)\r\n\(extra)\r\n\(body)".utf8))
    }

    var requests: [Request] { state.withLock { $0.requests } }
    var connections: Int { state.withLock { $0.connections } }
    var streamedBytes: Int { state.withLock { $0.streamed } }
    var address: String { "127.0.0.1:\(port)" }

    fileprivate func record(_ request: Request) -> Int {
        state.withLock { s in
            s.requests.append(request)
            return s.requests.count
        }
    }

    fileprivate func addStreamed(_ n: Int) { state.withLock { $0.streamed += n } }

    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

private final class BackendHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let connection: Int
    let behaviour: TestBackend.Behaviour
    let backend: TestBackend
    var buffer = ByteBuffer()
    var streamRemaining = 0
    let respondBeforeBody: Bool
    var answered = false

    init(connection: Int, behaviour: @escaping TestBackend.Behaviour, backend: TestBackend, respondBeforeBody: Bool) {
        self.connection = connection
        self.behaviour = behaviour
        self.backend = backend
        self.respondBeforeBody = respondBeforeBody
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var input = unwrapInboundIn(data)
        buffer.writeBuffer(&input)
        while let request = takeRequest() {
            let index = backend.record(request)
            perform(behaviour(request, index), context: context)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // A half-closed request side still gets its answers; the server closes after them.
        if let event = event as? ChannelEvent, event == .inputClosed {
            context.eventLoop.scheduleTask(in: .milliseconds(50)) { [context] in context.close(promise: nil) }
        }
    }

    private func takeRequest() -> TestBackend.Request? {
        let bytes = Array(buffer.readableBytesView)
        guard let end = bytes.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound else { return nil }
        let head = String(decoding: bytes[..<end], as: UTF8.self)
        let probe = TestBackend.Request(head: head, body: [], connection: connection)
        var bodyLength = 0
        var consumed = end
        if respondBeforeBody {
            guard !answered else { return nil }
            answered = true
            buffer.clear()
            return probe
        }
        if let length = probe.header("content-length").flatMap(Int.init) {
            guard bytes.count - end >= length else { return nil }
            bodyLength = length
            consumed = end + length
        } else if probe.header("transfer-encoding")?.lowercased() == "chunked" {
            // The last chunk ("0" at a line start), then the end of the (possibly empty) trailer section.
            guard let last = bytes[(end - 1)...].firstRange(of: Array("\n0\r\n".utf8)),
                let terminator = bytes[(last.lowerBound + 2)...].firstRange(of: Array("\r\n\r\n".utf8))
                    ?? (bytes[(last.upperBound)...].starts(with: Array("\r\n".utf8)) ? last.upperBound..<(last.upperBound + 2) : nil)
            else { return nil }
            consumed = terminator.upperBound
            bodyLength = consumed - end
        }
        buffer.moveReaderIndex(forwardBy: consumed)
        buffer.discardReadBytes()
        return TestBackend.Request(head: head, body: Array(bytes[end..<(end + bodyLength)]), connection: connection)
    }

    private func perform(_ reply: TestBackend.Reply, context: ChannelHandlerContext) {
        switch reply {
        case .raw(let bytes, let close):
            let future = context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: bytes)))
            if close { future.whenComplete { [context] _ in context.close(promise: nil) } }
        case .delayed(let ms, let next):
            let box = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            context.eventLoop.scheduleTask(in: .milliseconds(ms)) {
                let (handler, context) = box.value
                handler.perform(next, context: context)
            }
        case .close:
            context.close(promise: nil)
        case .stream(let count):
            context.write(wrapOutboundOut(ByteBuffer(string: "HTTP/1.1 200 OK\r\ncontent-length: \(count)\r\n\r\n")), promise: nil)
            streamRemaining = count
            pump(context: context)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { pump(context: context) }
    }

    /// Writes the streamed body only while the socket takes it, counting what it accepted.
    private func pump(context: ChannelHandlerContext) {
        let piece = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 * 1024)
        while streamRemaining > 0 && context.channel.isWritable {
            let n = min(streamRemaining, piece.readableBytes)
            streamRemaining -= n
            let backend = self.backend
            context.writeAndFlush(wrapOutboundOut(piece.getSlice(at: 0, length: n)!)).whenSuccess { backend.addStreamed(n) }
        }
    }
}
