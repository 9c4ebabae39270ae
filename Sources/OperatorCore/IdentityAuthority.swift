import Foundation
import MeshIdentity
import OperatorAPI

/// The operator's CA (MeshIdentity.CertificateAuthority) with its files in `STATE/identity/`: signs the CSRs the
/// sidecars and the gateway send over the API socket (`POST /v1/identity/certificates`), and rotates its anchor.
///
/// Who may ask: whoever can open `STATE/operator.sock`, which is 0600 in a 0700 folder, i.e. the mesh's own user
/// (docs/security.md). The CA names the certificate after the Service the request names, which must exist.
actor IdentityAuthority {
    let files: AnchorFiles
    private(set) var authority: CertificateAuthority
    /// How long a leaf lives (`meshctl up --cert-lifetime`; 24 h by default). A proxy may ask for less
    /// (`mesh-proxy --identity-lifetime`), never for more.
    let leafLifetime: TimeInterval

    /// Loads the anchors, creating the first on the first start. The trust domain is fixed then: it is written
    /// beside the anchors and read back by every later start (`--trust-domain` only matters the first time).
    init(directory: StateDirectory, trustDomain: String,
         leafLifetime: TimeInterval = CertificateAuthority.defaultLifetime) throws {
        let files = AnchorFiles(directory: directory.identityDirectory)
        let recorded = directory.identityDirectory + "/trust-domain"
        let domain = (try? String(contentsOfFile: recorded, encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? trustDomain
        guard SpiffeID.isValidTrustDomain(domain) else {
            throw IdentityError.invalidName("trust domain \"\(domain)\": lower-case letters, digits, dots, dashes and underscores only")
        }
        self.files = files
        self.leafLifetime = leafLifetime
        self.authority = try CertificateAuthority.loadOrCreate(files, trustDomain: domain)
        if !FileManager.default.fileExists(atPath: recorded) {
            try (domain + "\n").write(toFile: recorded, atomically: true, encoding: .utf8)
        }
    }

    /// Signs `csrPEM` as `service` for `leafLifetime`, or the shorter `askedLifetime` (at least 1 s).
    func issue(csrPEM: String, service: String, askedLifetime: TimeInterval? = nil)
        throws(IdentityError) -> IssuedCertificate
    {
        let lifetime = max(1, min(askedLifetime ?? leafLifetime, leafLifetime))
        return try authority.issue(csrPEM: csrPEM, service: service, lifetime: lifetime)
    }

    var isRotating: Bool { authority.isRotating }
    var signingGeneration: Int { authority.signingGeneration }

    /// Rotation step 1 (`IdentityRotation`): a new anchor, trusted from now on; returns its generation.
    func addAnchor() throws(IdentityError) -> Int { try authority.addAnchor(files).generation }

    /// Rotation step 2: the newest anchor signs.
    func promoteNewest() throws(IdentityError) { try authority.promoteNewest(files) }

    /// Rotation step 3: only the newest anchor is trusted; returns the generations retired.
    func retireAllButNewest() throws(IdentityError) -> [Int] { try authority.retireAllButNewest(files) }

    var trustDomain: String { authority.trustDomain }
    var trustBundlePEM: String { authority.trustBundlePEM }
}
