import NIOCore
import SidecarConfig

extension ProxyServer {
    /// The first handler of an accepted connection: the `DownstreamHandler` itself, or, on an inbound listener of
    /// a proxy with an identity, the sniffer that puts TLS in front of it for connections that start a handshake.
    /// The listener's kind and `mtls` are read at accept time, so a pushed configuration changes them for new
    /// connections.
    static func firstHandler(loop: LoopContext, listenerName: String) -> any ChannelHandler {
        let listener = loop.routes.config.listeners.first { $0.name == listenerName }
        guard let tls = loop.meshTLS, let listener, listener.kind == .inbound else {
            return DownstreamHandler(loop: loop, listenerName: listenerName)
        }
        return InboundTLSSniffer(tls: tls, mode: listener.mtls ?? .permissive, batch: loop.writeBatch) {
            DownstreamHandler(loop: loop, listenerName: listenerName)
        }
    }
}
