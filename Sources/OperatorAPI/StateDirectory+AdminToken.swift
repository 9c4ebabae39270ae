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

extension StateDirectory {
    /// The proxies' admin secret (`mesh-proxy --admin-token-file`): every admin request that changes something
    /// carries it (docs/security.md). One per state directory, kept across operator restarts, because a restarted
    /// operator adopts the proxies still running and must still be able to push to them.
    public var adminTokenPath: String { root + "/admin.token" }

    /// The admin token, created (owner-only, 0600, 256 random bits) when the file is missing.
    public func adminToken() throws -> String {
        if let data = FileManager.default.contents(atPath: adminTokenPath) {
            let token = StateDirectory.trimmed(String(decoding: data, as: UTF8.self))
            if token.utf8.count >= 16 {
                _ = chmod(adminTokenPath, 0o600)
                return token
            }
        }
        var generator = SystemRandomNumberGenerator()
        let token = (0..<4).map { _ in
            let hex = String(generator.next(), radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
        // Written under a temporary name with 0600 from creation, then renamed: never readable by others, never half.
        let temporary = adminTokenPath + ".\(getpid()).tmp"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteNoPermission) }
        let bytes = Array((token + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        close(descriptor)
        guard written == bytes.count, rename(temporary, adminTokenPath) == 0 else {
            unlink(temporary)
            throw CocoaError(.fileWriteUnknown)
        }
        return token
    }
}

extension StateDirectory {
    /// The trust anchors and the trust domain (MeshIdentity.AnchorFiles; docs/identity.md), owner-only.
    public var identityDirectory: String { root + "/identity" }
}
