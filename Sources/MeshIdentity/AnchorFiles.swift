import Crypto
import SwiftASN1
import X509

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The trust anchors on disk, in `STATE/identity/` (0700): `anchor-<generation>.pem` (the certificate) and
/// `anchor-<generation>.key.pem` (its private key, 0600, written with that mode from creation, never readable by
/// another user). The operator is the only reader.
public struct AnchorFiles: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// Every anchor present, oldest first. A pair that cannot be read is an error, not skipped: trusting fewer
    /// anchors than the proxies do would refuse their certificates.
    public func load() throws(IdentityError) -> [TrustAnchor] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        let generations = names.compactMap { name -> Int? in
            guard name.hasPrefix("anchor-"), name.hasSuffix(".key.pem") else { return nil }
            return Int(name.dropFirst("anchor-".count).dropLast(".key.pem".count))
        }.sorted()
        return try generations.map { generation throws(IdentityError) in
            do {
                let certificate = try Certificate(pemEncoded: String(contentsOfFile: certificatePath(generation), encoding: .utf8))
                let key = try P256.Signing.PrivateKey(pemRepresentation: String(contentsOfFile: keyPath(generation), encoding: .utf8))
                return TrustAnchor(generation: generation, certificate: certificate, key: key)
            } catch {
                throw .unreadableAnchor(path: keyPath(generation), reason: "\(error)")
            }
        }
    }

    /// Writes a new anchor's two files (the key first, owner-only).
    public func save(_ anchor: TrustAnchor) throws(IdentityError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw .cannotWrite(path: directory, reason: "\(error)")
        }
        try Self.writeOwnerOnly(anchor.keyPEM, to: keyPath(anchor.generation))
        try Self.writeOwnerOnly(anchor.certificatePEM, to: certificatePath(anchor.generation))
    }

    /// Deletes an anchor's files (the end of a rotation).
    public func remove(generation: Int) {
        unlink(keyPath(generation))
        unlink(certificatePath(generation))
    }

    /// The generation that signs, while a rotation has not promoted the newest (absent: the newest signs).
    func signingGeneration() -> Int? {
        (try? String(contentsOfFile: directory + "/signing", encoding: .utf8)).flatMap { Int($0.filter(\.isNumber)) }
    }

    func saveSigningGeneration(_ generation: Int) throws(IdentityError) {
        try Self.writeOwnerOnly("\(generation)\n", to: directory + "/signing")
    }

    func keyPath(_ generation: Int) -> String { "\(directory)/anchor-\(generation).key.pem" }
    func certificatePath(_ generation: Int) -> String { "\(directory)/anchor-\(generation).pem" }

    /// Created 0600 under a temporary name, then renamed: never readable by others, never seen half-written.
    static func writeOwnerOnly(_ text: String, to path: String) throws(IdentityError) {
        let temporary = path + ".\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        guard written == bytes.count, rename(temporary, path) == 0 else {
            unlink(temporary)
            throw .cannotWrite(path: path, reason: "short write or rename failed")
        }
    }
}
