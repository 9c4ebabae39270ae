import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The mesh's name server on a UDP socket: each datagram is parsed, answered from the current zone and sent back
/// to its sender. A malformed query with a readable header gets FORMERR; one too short for a header, or a
/// response, is dropped (answering could feed a loop). Nothing a datagram holds can stop the server.
public final class DNSServer: Sendable {
    private let zone: NIOLockedValueBox<DNSZone>
    private let channel: NIOLockedValueBox<(any Channel)?> = NIOLockedValueBox(nil)

    public init(zone: DNSZone = DNSZone()) {
        self.zone = NIOLockedValueBox(zone)
    }

    /// Replaces what the server answers from (after each reconcile pass).
    public func update(_ zone: DNSZone) {
        self.zone.withLockedValue { $0 = zone }
    }

    public var currentZone: DNSZone { zone.withLockedValue { $0 } }

    /// Binds `host:port` (port 0: any free port) and returns the bound port.
    public func start(host: String, port: Int) async throws -> Int {
        let zone = self.zone
        let bound = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.socketOption(.so_reuseaddr), value: 1)
            // Up to 32 datagrams per wake-up in one recvmmsg, and their answers leave in one sendmmsg at the read
            // burst's end (`channelReadComplete`): a system call per query each way was most of a query's cost.
            .channelOption(.datagramVectorReadMessageCount, value: 32)
            .channelOption(.maxMessagesPerRead, value: 4)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 32 * 2048))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DNSHandler(zone: zone))
                }
            }
            .bind(host: host, port: port).get()
        channel.withLockedValue { $0 = bound }
        return bound.localAddress?.port ?? port
    }

    public func stop() async {
        let bound = channel.withLockedValue { channel -> (any Channel)? in
            defer { channel = nil }
            return channel
        }
        try? await bound?.close()
    }

    /// The whole exchange for one datagram's bytes: the answer to send, or nil to send nothing.
    public static func respond(to bytes: [UInt8], zone: DNSZone) -> [UInt8]? {
        let query: DNSMessage
        do {
            query = try DNSParser.parseQuery(bytes)
        } catch {
            switch error {
            case .tooShortForHeader:
                return nil
            case .malformed(let id, _):
                let isResponse = bytes[2] & 0x80 != 0
                guard !isResponse else { return nil }
                return DNSEncoder.encode(DNSMessage(id: id, isResponse: true, responseCode: .formatError))
            }
        }
        guard !query.isResponse else { return nil }
        return DNSEncoder.encode(zone.answer(query), limit: query.ednsPayloadSize ?? 512)
    }
}

private final class DNSHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let zone: NIOLockedValueBox<DNSZone>

    init(zone: NIOLockedValueBox<DNSZone>) {
        self.zone = zone
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = Array(envelope.data.readableBytesView)
        guard let answer = DNSServer.respond(to: bytes, zone: zone.withLockedValue { $0 }) else { return }
        let buffer = context.channel.allocator.buffer(bytes: answer)
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: buffer)),
                      promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A failed send (the client went away) or a socket error concerns one datagram, never the server.
    }
}
