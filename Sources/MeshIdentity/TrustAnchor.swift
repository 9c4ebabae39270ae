import Crypto
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One root of trust: a self-signed P-256 CA certificate and its key. The mesh trusts every anchor in its bundle
/// and signs with the newest (`CertificateAuthority`); two are trusted at once only during a rotation.
public struct TrustAnchor: Sendable {
    /// Increasing with each rotation; names the anchor's files (`anchor-<generation>.*`).
    public let generation: Int
    public let certificate: Certificate
    let key: P256.Signing.PrivateKey

    /// Ten years: the anchor is replaced by `meshctl identity rotate`, not by expiry.
    public static let lifetime: TimeInterval = 10 * 365 * 24 * 3600

    init(generation: Int, certificate: Certificate, key: P256.Signing.PrivateKey) {
        self.generation = generation
        self.certificate = certificate
        self.key = key
    }

    /// A new anchor for `trustDomain`, valid from a minute ago (so a leaf issued at once is inside it).
    public static func create(generation: Int, trustDomain: String, now: Date = Date()) throws -> TrustAnchor {
        let key = P256.Signing.PrivateKey()
        let signer = Certificate.PrivateKey(key)
        let name = try DistinguishedName {
            OrganizationName("meshctl")
            CommonName("meshctl trust anchor \(generation) for \(trustDomain)")
        }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: signer.publicKey)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: signer.publicKey,
            notValidBefore: now.addingTimeInterval(-60), notValidAfter: now.addingTimeInterval(lifetime),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
            issuerPrivateKey: signer)
        return TrustAnchor(generation: generation, certificate: certificate, key: key)
    }

    public var certificatePEM: String { (try? certificate.serializeAsPEM().pemString) ?? "" }
    var keyPEM: String { key.pemRepresentation }
}
