import NIOCore
import NIOSSL
import SidecarConfig

/// How connections to one endpoint are made when it is a mesh sidecar (`ServiceConfig.mtls`) and this proxy has
/// an identity: mTLS, expecting the service's SPIFFE ID.
struct UpstreamTLS: Sendable {
    let tls: MeshTLS
    let service: String

    /// Nil (plaintext) unless `endpoint` is a sidecar of the service and the proxy has an identity to offer.
    init?(_ service: ServiceConfig, endpoint: HostPort, _ tls: MeshTLS?) {
        guard service.mtls, let tls,
            !service.plaintextEndpoints.contains(where: { HostPort(parsing: $0) == endpoint })
        else { return nil }
        self.tls = tls
        self.service = service.name
    }

    /// Nil while the proxy has no certificate yet: then the connection is plaintext. `http2`: ALPN `h2`.
    func clientHandler(http2: Bool = false) throws -> NIOSSLClientHandler? {
        try tls.clientHandler(service: service, http2: http2)
    }

    /// Puts the TLS client handler, over a `CiphertextWriter` that sends its records, at the front of a new
    /// connection's pipeline (`http2`: ALPN `h2`); false (nothing added: the connection is plaintext) while the proxy
    /// has no certificate.
    func addHandlers(to pipeline: ChannelPipeline.SynchronousOperations, batch: WriteBatch?, http2: Bool = false) throws -> Bool {
        guard let tls = try clientHandler(http2: http2) else { return false }
        try pipeline.addHandler(CiphertextWriter(batch: batch))
        try pipeline.addHandler(tls)
        return true
    }
}
