import Crypto
import SwiftASN1
import X509

/// A sidecar's own key, made in its process and never written anywhere or sent: only a CSR leaves, which proves
/// possession of the key and carries its public half.
public struct WorkloadKey: Sendable {
    public let key: P256.Signing.PrivateKey

    public init() { key = P256.Signing.PrivateKey() }

    /// A CSR for this key. The CA ignores its subject (it names the certificate itself); `service` is there for
    /// anyone reading the request.
    public func signingRequestPEM(service: String) throws -> String {
        let csr = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName(service) },
            privateKey: Certificate.PrivateKey(key), attributes: CertificateSigningRequest.Attributes())
        return try csr.serializeAsPEM().pemString
    }

    /// PEM (PKCS#8) for the TLS library, in memory only.
    public var pem: String { key.pemRepresentation }
}

/// Reads the SPIFFE identity (the first `spiffe://` URI SAN) of a DER or PEM certificate; nil when it has none.
public enum PeerIdentity {
    public static func spiffeID(certificateDER: [UInt8]) -> SpiffeID? {
        guard let certificate = try? Certificate(derEncoded: certificateDER),
              let names = try? certificate.extensions.subjectAlternativeNames else { return nil }
        for name in names {
            if case .uniformResourceIdentifier(let uri) = name, let id = SpiffeID(uri: uri) { return id }
        }
        return nil
    }
}
