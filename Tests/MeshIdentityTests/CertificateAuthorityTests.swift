import Foundation
import MeshIdentity
import SwiftASN1
import Testing
import X509

@Suite("certificate authority")
struct CertificateAuthorityTests {
    private func temporaryFiles() -> AnchorFiles {
        AnchorFiles(directory: FileManager.default.temporaryDirectory.appendingPathComponent("anchors-\(UUID().uuidString)").path)
    }

    private func verify(_ issued: IssuedCertificate, against bundlePEM: String, at time: Date) async throws -> Bool {
        let roots = try PEMDocument.parseMultiple(pemString: bundlePEM).map { try Certificate(pemDocument: $0) }
        var verifier = Verifier(rootCertificates: CertificateStore(roots)) { RFC5280Policy(validationTime: time) }
        let leaf = try Certificate(pemEncoded: issued.certificatePEM)
        if case .validCertificate = await verifier.validate(leaf: leaf, intermediates: CertificateStore()) { return true }
        return false
    }

    @Test("the first anchor is created owner-only and kept: a second load finds the same one")
    func anchorCreatedOnceOwnerOnly() throws {
        let files = temporaryFiles()
        defer { try? FileManager.default.removeItem(atPath: files.directory) }
        let first = try CertificateAuthority.loadOrCreate(files, trustDomain: "meshctl.local")
        let again = try CertificateAuthority.loadOrCreate(files, trustDomain: "meshctl.local")
        #expect(first.anchors.count == 1)
        #expect(again.trustBundlePEM == first.trustBundlePEM)
        let key = try FileManager.default.attributesOfItem(atPath: files.directory + "/anchor-1.key.pem")
        #expect(key[.posixPermissions] as? Int == 0o600)
        let folder = try FileManager.default.attributesOfItem(atPath: files.directory)
        #expect(folder[.posixPermissions] as? Int == 0o700)
    }

    @Test("a leaf names its service as a SPIFFE URI SAN, lives 24 h, renews at 70 %, and chains to the anchor")
    func leafFromCSR() async throws {
        let files = temporaryFiles()
        defer { try? FileManager.default.removeItem(atPath: files.directory) }
        let ca = try CertificateAuthority.loadOrCreate(files, trustDomain: "example.test")
        let key = WorkloadKey()
        let now = Date()
        let issued = try ca.issue(csrPEM: try key.signingRequestPEM(service: "web"), service: "web", now: now)
        #expect(issued.identity == "spiffe://example.test/ns/default/sa/web")
        let leaf = try Certificate(pemEncoded: issued.certificatePEM)
        var serializer = DER.Serializer()
        try serializer.serialize(leaf)
        #expect(PeerIdentity.spiffeID(certificateDER: serializer.serializedBytes)?.service == "web")
        #expect(leaf.publicKey == Certificate.PrivateKey(key.key).publicKey)
        #expect(abs(issued.notAfter.timeIntervalSince(now) - 24 * 3600) < 2)
        #expect(abs(issued.renewAt.timeIntervalSince(now) - 0.7 * 24 * 3600) < 2)
        #expect(try await verify(issued, against: ca.trustBundlePEM, at: now))
        #expect(try await !verify(issued, against: ca.trustBundlePEM, at: now.addingTimeInterval(25 * 3600)))  // expired
    }

    @Test("a CSR not signed by the key it carries is refused")
    func proofOfPossession() throws {
        let files = temporaryFiles()
        defer { try? FileManager.default.removeItem(atPath: files.directory) }
        let ca = try CertificateAuthority.loadOrCreate(files, trustDomain: "meshctl.local")
        let genuine = try CertificateSigningRequest(pemEncoded: try WorkloadKey().signingRequestPEM(service: "web"))
        let other = try CertificateSigningRequest(pemEncoded: try WorkloadKey().signingRequestPEM(service: "web"))
        let forged = try CertificateSigningRequest(
            version: .v1, subject: genuine.subject, publicKey: genuine.publicKey, attributes: genuine.attributes,
            signatureAlgorithm: other.signatureAlgorithm, signature: other.signature)
        #expect(throws: IdentityError.badProofOfPossession) {
            try ca.issue(csrPEM: try forged.serializeAsPEM().pemString, service: "web")
        }
        #expect(throws: IdentityError.self) { try ca.issue(csrPEM: "not a csr", service: "web") }
    }

    @Test("rotation: the new anchor is trusted before it signs, both are trusted until the old one is retired")
    func rotationWithOverlap() async throws {
        let files = temporaryFiles()
        defer { try? FileManager.default.removeItem(atPath: files.directory) }
        var ca = try CertificateAuthority.loadOrCreate(files, trustDomain: "meshctl.local")
        let csr = try WorkloadKey().signingRequestPEM(service: "api")
        let before = try ca.issue(csrPEM: csr, service: "api")
        _ = try ca.addAnchor(files)
        // Step 1: trusted, not yet signing (a restarted operator sees the same).
        #expect(try ca.issue(csrPEM: csr, service: "api").anchorGeneration == 1)
        #expect(try CertificateAuthority.loadOrCreate(files, trustDomain: "meshctl.local").signingGeneration == 1)
        #expect(ca.trustBundlePEM.components(separatedBy: "BEGIN CERTIFICATE").count == 3)
        // Each PEM on its own lines: BoringSSL (the proxies' TLS) refuses "-----END CERTIFICATE----------BEGIN…".
        #expect(ca.trustBundlePEM.contains("-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----"))
        try ca.promoteNewest(files)
        let after = try ca.issue(csrPEM: csr, service: "api")
        #expect(before.anchorGeneration == 1 && after.anchorGeneration == 2)
        // During the switch, old and new leaves both verify against the bundle.
        #expect(try await verify(before, against: ca.trustBundlePEM, at: Date()))
        #expect(try await verify(after, against: ca.trustBundlePEM, at: Date()))
        #expect(try CertificateAuthority.loadOrCreate(files, trustDomain: "meshctl.local").anchors.count == 2)
        #expect(try ca.retireAllButNewest(files) == [1])
        #expect(try await !verify(before, against: ca.trustBundlePEM, at: Date()))
        #expect(try await verify(after, against: ca.trustBundlePEM, at: Date()))
        #expect(try CertificateAuthority.loadOrCreate(files, trustDomain: "meshctl.local").anchors.map(\.generation) == [2])
    }

    @Test("SPIFFE IDs parse and print in one form; anything else is not one")
    func spiffeIDs() {
        let id = SpiffeID(service: "web")
        #expect(id.uri == "spiffe://meshctl.local/ns/default/sa/web")
        #expect(SpiffeID(uri: id.uri) == id)
        for bad in ["https://meshctl.local/ns/default/sa/web", "spiffe://meshctl.local/ns/default/web",
                    "spiffe:///ns/default/sa/web", "spiffe://d/ns//sa/web", "spiffe://d/ns/a/sa/b/c"] {
            #expect(SpiffeID(uri: bad) == nil, "\(bad)")
        }
        #expect(SpiffeID.isValidTrustDomain("meshctl.local"))
        #expect(!SpiffeID.isValidTrustDomain("Mesh Local"))
    }
}
