import Crypto
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The mesh's CA: trusts every anchor it holds, signs leaf certificates with the newest.
///
/// A leaf names one service (`SpiffeID`), is valid `lifetime` (24 h by default, as Linkerd and Istio issue) and is
/// renewed by its holder at 70 % of it (`IssuedCertificate.renewAt`). The key stays with the sidecar: the CA only
/// sees a CSR, checks that it is signed by the key it carries, and signs that public key.
///
/// Rotation with overlap (`meshctl identity rotate`), three steps with every holder re-issued after each:
/// `addAnchor` (the new anchor is trusted, the old one still signs), `promoteNewest` (the new one signs), then
/// `retireAllButNewest` (the old one is no longer trusted). At no point does a proxy meet a certificate signed by
/// an anchor it does not trust: by the time any leaf comes from the new anchor, every proxy trusts it.
public struct CertificateAuthority: Sendable {
    public static let defaultLifetime: TimeInterval = 24 * 3600
    /// When a holder renews, as a share of its certificate's lifetime.
    public static let renewalPoint = 0.7

    public private(set) var anchors: [TrustAnchor]
    public let trustDomain: String
    /// The anchor that signs: the newest, except between `addAnchor` and `promoteNewest`.
    public private(set) var signingGeneration: Int

    public init(trustDomain: String, anchors: [TrustAnchor], signingGeneration: Int? = nil) {
        let sorted = anchors.sorted { $0.generation < $1.generation }
        self.trustDomain = trustDomain
        self.anchors = sorted
        // A recorded signer that is no longer there (retired by hand) falls back to the newest.
        if let signingGeneration, sorted.contains(where: { $0.generation == signingGeneration }) {
            self.signingGeneration = signingGeneration
        } else {
            self.signingGeneration = sorted.last?.generation ?? 0
        }
    }

    /// Where a rotation stands: `rotating` between `addAnchor` and `retireAllButNewest`.
    public var isRotating: Bool { anchors.count > 1 }

    /// The anchors in `files`, creating the first one when there is none (the first `meshctl up`).
    public static func loadOrCreate(_ files: AnchorFiles, trustDomain: String) throws(IdentityError) -> CertificateAuthority {
        var anchors = try files.load()
        if anchors.isEmpty {
            let first: TrustAnchor
            do { first = try TrustAnchor.create(generation: 1, trustDomain: trustDomain) } catch {
                throw .cannotWrite(path: files.directory, reason: "\(error)")
            }
            try files.save(first)
            anchors = [first]
        }
        return CertificateAuthority(trustDomain: trustDomain, anchors: anchors, signingGeneration: files.signingGeneration())
    }

    /// Every trusted anchor, PEM, one after another, each ending in a newline: what each proxy verifies its peers
    /// against. (Joined without one, BoringSSL refuses the whole bundle once there are two anchors, mid-rotation.)
    public var trustBundlePEM: String {
        anchors.map { $0.certificatePEM.hasSuffix("\n") ? $0.certificatePEM : $0.certificatePEM + "\n" }.joined()
    }

    /// Signs `csrPEM`'s key as `service`. The CSR's own subject and extensions are ignored: the CA decides the name.
    public func issue(csrPEM: String, service: String, now: Date = Date(),
                      lifetime: TimeInterval = defaultLifetime) throws(IdentityError) -> IssuedCertificate {
        guard let signer = anchors.first(where: { $0.generation == signingGeneration }) else { throw .noAnchor }
        let csr: CertificateSigningRequest
        do { csr = try CertificateSigningRequest(pemEncoded: csrPEM) } catch {
            throw .malformedRequest("\(error)")
        }
        guard csr.publicKey.isValidSignature(csr.signature, for: csr) else { throw .badProofOfPossession }
        guard P256.Signing.PublicKey(csr.publicKey) != nil else { throw .unsupportedKey("\(csr.signatureAlgorithm)") }
        let identity = SpiffeID(trustDomain: trustDomain, service: service)
        do {
            let extensions = try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true, keyEncipherment: true))
                try ExtendedKeyUsage([.serverAuth, .clientAuth])
                SubjectAlternativeNames([.uniformResourceIdentifier(identity.uri)])
                SubjectKeyIdentifier(hash: csr.publicKey)
            }
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: csr.publicKey,
                notValidBefore: now.addingTimeInterval(-60), notValidAfter: now.addingTimeInterval(lifetime),
                issuer: signer.certificate.subject,
                subject: try DistinguishedName { OrganizationName("meshctl"); CommonName(service) },
                signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
                issuerPrivateKey: Certificate.PrivateKey(signer.key))
            return IssuedCertificate(
                identity: identity, certificatePEM: try certificate.serializeAsPEM().pemString,
                trustBundlePEM: trustBundlePEM, notBefore: now, notAfter: certificate.notValidAfter,
                anchorGeneration: signer.generation)
        } catch {
            throw .malformedRequest("\(error)")
        }
    }

    /// Adds a new anchor, trusted from now on; the current one keeps signing until `promoteNewest`.
    public mutating func addAnchor(_ files: AnchorFiles, now: Date = Date()) throws(IdentityError) -> TrustAnchor {
        let generation = (anchors.last?.generation ?? 0) + 1
        let anchor: TrustAnchor
        do { anchor = try TrustAnchor.create(generation: generation, trustDomain: trustDomain, now: now) } catch {
            throw .cannotWrite(path: files.directory, reason: "\(error)")
        }
        try files.saveSigningGeneration(signingGeneration)
        try files.save(anchor)
        anchors.append(anchor)
        return anchor
    }

    /// The newest anchor signs from now on.
    public mutating func promoteNewest(_ files: AnchorFiles) throws(IdentityError) {
        guard let newest = anchors.last?.generation else { throw .noAnchor }
        try files.saveSigningGeneration(newest)
        signingGeneration = newest
    }

    /// Stops trusting every anchor but the newest (which must sign by now); returns the generations dropped.
    public mutating func retireAllButNewest(_ files: AnchorFiles) throws(IdentityError) -> [Int] {
        guard anchors.count > 1 else { return [] }
        try promoteNewest(files)
        let retired = anchors.dropLast().map(\.generation)
        for generation in retired { files.remove(generation: generation) }
        anchors = [anchors.last!]
        return retired
    }
}

/// A signed leaf with what its holder needs besides: the bundle to verify peers with, and when to renew.
public struct IssuedCertificate: Sendable, Codable, Hashable {
    public var identity: String
    public var certificatePEM: String
    public var trustBundlePEM: String
    public var notBefore: Date
    public var notAfter: Date
    /// The anchor that signed it: a holder whose certificate is from an older anchor than the newest re-issues.
    public var anchorGeneration: Int

    init(identity: SpiffeID, certificatePEM: String, trustBundlePEM: String, notBefore: Date, notAfter: Date,
         anchorGeneration: Int) {
        self.identity = identity.uri
        self.certificatePEM = certificatePEM
        self.trustBundlePEM = trustBundlePEM
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.anchorGeneration = anchorGeneration
    }

    /// 70 % into the certificate's life.
    public var renewAt: Date {
        notBefore.addingTimeInterval(notAfter.timeIntervalSince(notBefore) * CertificateAuthority.renewalPoint)
    }
}
