import MeshIdentity
import NIOCore
import NIOSSL
import SidecarConfig

/// The first handler of an inbound connection on a proxy with an identity: looks at the first byte and decides
/// once. 0x16 (a TLS handshake record: a ClientHello) → the TLS server handler (over a `CiphertextWriter`) goes in front and the
/// `DownstreamHandler` after it writes through the pipeline; anything else → plaintext, unless the listener is
/// `strict`, which closes the connection. Then it removes itself and hands on what it read.
final class InboundTLSSniffer: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let tls: MeshTLS
    private let mode: MTLSMode
    private let makeDownstream: () -> DownstreamHandler
    /// The loop's batch, for the records sent to this client (`CiphertextWriter`).
    private let batch: WriteBatch?
    private var decided = false

    init(tls: MeshTLS, mode: MTLSMode, batch: WriteBatch?, makeDownstream: @escaping () -> DownstreamHandler) {
        self.tls = tls
        self.mode = mode
        self.batch = batch
        self.makeDownstream = makeDownstream
    }

    func channelActive(context: ChannelHandlerContext) {
        // The downstream handler that will serve this connection is not in the pipeline yet; it gets its
        // channelActive once added (below).
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard !decided else {
            context.fireChannelRead(data)
            return
        }
        decided = true
        let handshake = buffer.readableBytes > 0 && buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) == 0x16
        let pipeline = context.pipeline.syncOperations
        do {
            let downstream = makeDownstream()
            if handshake, let material = tls.material {
                let peer = PeerBox()
                let server = NIOSSLServerHandler._makeSSLServerHandler(context: material.server) { leaf, channel in
                    peer.identity = (try? leaf.toDERBytes()).flatMap(PeerIdentity.spiffeID(certificateDER:))
                    return channel.eventLoop.makeSucceededVoidFuture()
                }
                downstream.writesThroughPipeline = true
                downstream.peer = peer
                // After this handler, so the bytes handed on below (the ClientHello) go through it; the records it
                // encrypts are sent by the writer beneath it.
                let ciphertext = CiphertextWriter(batch: batch)
                try pipeline.addHandler(ciphertext, position: .after(self))
                try pipeline.addHandler(server, position: .after(ciphertext))
                try pipeline.addHandler(downstream, position: .after(server))
            } else if mode == .strict {
                context.close(promise: nil)
                return
            } else {
                downstream.peer = PeerBox()  // no identity: counted as an unauthenticated caller (PeerRequestCounters)
                try pipeline.addHandler(downstream, position: .after(self))
            }
        } catch {
            context.close(promise: nil)
            return
        }
        context.fireChannelActive()  // reaches the handlers added after this one (TLS passes it on)
        context.fireChannelRead(data)
        context.fireChannelReadComplete()
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}

/// The verified peer identity of one inbound connection, set during its TLS handshake (before any request is read);
/// nil for a plaintext connection. Also the connection's request counters by that caller, made on first use.
final class PeerBox {
    var identity: SpiffeID?
    var requests: PeerRequestCounters?
}
