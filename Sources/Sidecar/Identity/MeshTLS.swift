#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import MeshIdentity
import NIOCore
import NIOSSL
import Synchronization

/// The proxy's workload identity as TLS contexts: its certificate and key (the key made in this process,
/// `WorkloadKey`) and the trust bundle peers are verified against. Swapped whole on renewal or anchor rotation:
/// each new connection takes the contexts current when it starts, connections already open keep theirs.
///
/// TLS 1.3 only, both ways; a peer must present a certificate that chains to a bundle anchor and is in its
/// validity period (BoringSSL checks both). Which identity the peer must have is the caller's check
/// (`expecting`), since it depends on the service.
public final class MeshTLS: Sendable {
    struct Material: Sendable {
        let server: NIOSSLContext
        /// Offers ALPN `http/1.1`, and `h2` for connections that carry HTTP/2 (`appProtocol` http2 or grpc).
        let client: NIOSSLContext
        let clientHTTP2: NIOSSLContext
        let identity: SpiffeID
        let leaf: Leaf
    }

    /// What the admin endpoint shows of the current certificate (`GET /identity`): enough to see a renewal happen
    /// (a new serial, a later `notBefore`) without reading the key.
    public struct Leaf: Sendable, Codable, Hashable {
        public var identity: String
        /// Hex, as `openssl x509 -serial` prints it.
        public var serial: String
        public var notBefore: Date
        public var notAfter: Date
    }

    private let current = Mutex<Material?>(nil)

    public init() {}

    /// Replaces the identity. Throws, keeping the old one, when the PEMs do not load.
    public func install(certificatePEM: String, keyPEM: String, trustBundlePEM: String) throws {
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8))
        let roots = try NIOSSLCertificate.fromPEMBytes(Array(trustBundlePEM.utf8))
        let key = try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem)
        guard let leaf = chain.first, let identity = PeerIdentity.spiffeID(certificateDER: try leaf.toDERBytes()) else {
            throw MeshTLSError.noSpiffeID
        }
        var server = TLSConfiguration.makeServerConfigurationWithMTLS(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key), trustRoots: .certificates(roots))
        server.minimumTLSVersion = .tlsv13
        // ALPN as RFC 9113 §3.2 asks for h2 over TLS; the inbound sidecar still tells HTTP/2 by its preface, so a
        // peer that offers no ALPN is served as before.
        server.applicationProtocols = ["h2", "http/1.1"]
        var client = TLSConfiguration.makeClientConfiguration()
        client.minimumTLSVersion = .tlsv13
        client.certificateVerification = .noHostnameVerification  // the SPIFFE ID is checked instead (`expecting`)
        client.trustRoots = .certificates(roots)
        client.certificateChain = chain.map { .certificate($0) }
        client.privateKey = .privateKey(key)
        var clientHTTP2 = client
        client.applicationProtocols = ["http/1.1"]
        clientHTTP2.applicationProtocols = ["h2"]
        let summary = Leaf(
            identity: identity.uri, serial: leaf.serialNumber.map { ($0 < 16 ? "0" : "") + String($0, radix: 16, uppercase: true) }.joined(),
            notBefore: Date(timeIntervalSince1970: TimeInterval(leaf.notValidBefore)),
            notAfter: Date(timeIntervalSince1970: TimeInterval(leaf.notValidAfter)))
        let material = Material(
            server: try NIOSSLContext(configuration: server), client: try NIOSSLContext(configuration: client),
            clientHTTP2: try NIOSSLContext(configuration: clientHTTP2), identity: identity, leaf: summary)
        current.withLock { $0 = material }
    }

    var material: Material? { current.withLock { $0 } }

    /// This proxy's identity, once it has one.
    public var identity: SpiffeID? { material?.identity }

    /// The certificate this proxy presents now, once it has one.
    public var leaf: Leaf? { material?.leaf }

    /// The identity a mesh peer serving `service` must present: this proxy's trust domain and namespace.
    func expected(service: String) -> SpiffeID? {
        material.map { SpiffeID(trustDomain: $0.identity.trustDomain, namespace: $0.identity.namespace, service: service) }
    }

    /// A client handler for a connection to an endpoint of `service` (`http2`: it will carry HTTP/2, ALPN `h2`);
    /// nil when this proxy has no identity (the connection is then plaintext). The handshake fails unless the
    /// server presents `service`'s identity.
    func clientHandler(service: String, http2: Bool = false) throws -> NIOSSLClientHandler? {
        guard let material, let expected = expected(service: service) else { return nil }
        // The underscored hook is the one NIOSSL offers to check the verified leaf during the handshake, so no
        // request byte is sent to a server with the wrong identity (pinned version, Package.swift).
        let context = http2 ? material.clientHTTP2 : material.client
        return try NIOSSLClientHandler._makeSSLClientHandler(context: context, serverHostname: nil) { leaf, channel in
            let presented = (try? leaf.toDERBytes()).flatMap(PeerIdentity.spiffeID(certificateDER:))
            guard presented == expected else {
                return channel.eventLoop.makeFailedFuture(MeshTLSError.wrongPeer(expected: expected.uri, presented: presented?.uri))
            }
            return channel.eventLoop.makeSucceededVoidFuture()
        }
    }
}

enum MeshTLSError: Error, CustomStringConvertible {
    case noSpiffeID
    case wrongPeer(expected: String, presented: String?)

    var description: String {
        switch self {
        case .noSpiffeID: return "the certificate has no spiffe:// URI SAN"
        case .wrongPeer(let expected, let presented): return "peer is \(presented ?? "unnamed"), expected \(expected)"
        }
    }
}
