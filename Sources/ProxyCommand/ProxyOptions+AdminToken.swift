import ArgumentParser

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
// `stat`'s and `timeval`'s members are found in whichever C module first included their header once swift-crypto
// and swift-nio-ssl are in the graph; MemberImportVisibility wants that module imported.
#if canImport(CoreFoundation)
import CoreFoundation
#endif
#if canImport(CNIOLinux)
import CNIOLinux
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ProxyOptions {
    /// The admin secret: read from `--admin-token-file`, which must be owner-only (as ssh insists on for keys: a
    /// secret other users can read protects nothing). Without the flag, a random token no one knows, so an admin
    /// endpoint started without one serves reads and refuses every change (docs/security.md).
    func adminToken() throws -> String {
        guard let path = adminTokenFile else { return Self.unguessableToken() }
        var info = stat()
        guard stat(path, &info) == 0, let data = FileManager.default.contents(atPath: path) else {
            throw ValidationError("--admin-token-file: cannot read \(path)")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw ValidationError("--admin-token-file: \(path) is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); make it 0600")
        }
        let token = String(String(decoding: data, as: UTF8.self).filter { !$0.isWhitespace })
        guard token.utf8.count >= 16 else { throw ValidationError("--admin-token-file: \(path) holds no token (16 characters at least)") }
        return token
    }

    private static func unguessableToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(generator.next(), radix: 16) }.joined()
    }
}
