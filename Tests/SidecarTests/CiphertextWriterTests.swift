import NIOCore
import NIOPosix
import NIOSSL
import SidecarConfig
import Testing

@testable import Sidecar

/// `CiphertextWriter` under real TLS 1.3 on loopback: the records NIOSSL encrypts (handshake and data, both sides)
/// leave in our own `send(2)` calls, not through NIO's write path, and on a busy loop a record held for the end of
/// the turn still precedes a close issued in the same turn.
@Suite("Ciphertext writer", .serialized)
struct CiphertextWriterTests {
    @Test("handshake and data records go out in direct sends on both sides; a close sends the held record first")
    func recordsSentDirectlyAndBeforeClose() async throws {
        let authority = try MeshTLSTests.Authority()
        defer { authority.remove() }
        let web = try authority.identity("web").tls
        let frontend = try authority.identity("frontend").tls
        let group = MultiThreadedEventLoopGroup.singleton
        let serverWriter = WriterBox()
        let serverContext = try #require(web.material?.server)
        let server = try await ServerBootstrap(group: group)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // A batch that always waits for the end of the turn: the reply below is held, then the close
                    // in the same turn must send it first.
                    let batch = WriteBatch(eventLoop: channel.eventLoop)
                    batch.exchangesInProgress = 2
                    let writer = CiphertextWriter(batch: batch)
                    serverWriter.set(writer)
                    try channel.pipeline.syncOperations.addHandler(writer)
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: serverContext))
                    try channel.pipeline.syncOperations.addHandler(ReplyAndClose())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { server.close(promise: nil) }
        let port = try #require(server.localAddress?.port)

        var service = ServiceConfig(name: "web", endpoints: ["127.0.0.1:\(port)"])
        service.mtls = true
        let upstream = try #require(UpstreamTLS(service, endpoint: HostPort(host: "127.0.0.1", port: port), frontend))
        let received = group.next().makePromise(of: String.self)
        let clientWriter = WriterBox()
        let client = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    #expect(try upstream.addHandlers(to: channel.pipeline.syncOperations, batch: nil))
                    clientWriter.set(try channel.pipeline.syncOperations.handler(type: CiphertextWriter.self))
                    try channel.pipeline.syncOperations.addHandler(CollectUntilClose(done: received))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        client.writeAndFlush(ByteBuffer(string: "ping"), promise: nil)
        let reply = try await received.futureResult.get()
        #expect(reply == "pong", "the reply held for the end of the turn was lost to the close")

        let (serverDirect, serverChannel) = try await serverWriter.counts()
        let (clientDirect, clientChannel) = try await clientWriter.counts()
        #expect(serverDirect >= 2, "server flight and reply")
        #expect(clientDirect >= 2, "ClientHello, client Finished + ping")
        // The close's ordering write (a promise NIO completes) is the one thing that goes through NIO.
        #expect(serverChannel <= 1)
        #expect(clientChannel == 0)
    }
}

/// The writer of the one connection: set on its loop, read once the connection has closed (the reply's promise
/// orders the two).
private final class WriterBox: @unchecked Sendable {
    private var writer: CiphertextWriter?
    func set(_ value: CiphertextWriter) { writer = value }

    func counts() async throws -> (Int, Int) {
        let writer = try #require(writer)
        return (writer.directSends, writer.channelWrites)
    }
}

/// Answers the first bytes with "pong" and closes the connection in the same turn.
private final class ReplyAndClose: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: "pong")), promise: nil)
        context.close(promise: nil)
    }
}

/// Collects what arrives until the connection closes.
private final class CollectUntilClose: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private var text = ""
    private let done: EventLoopPromise<String>

    init(done: EventLoopPromise<String>) { self.done = done }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        text += String(buffer: unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) { done.succeed(text) }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A close without close_notify is an unclean shutdown to NIOSSL; what was read still counts.
        context.close(promise: nil)
    }
}
