import Foundation
import OperatorAPI

/// The secret a program shows (`Authorization: Bearer TOKEN`) to register over the operator's loopback HTTP
/// listener, which any local user could reach; the Unix socket needs none (it is owner-only). A new one per
/// operator start, in `STATE/registration.token`, readable by the owner only.
enum RegistrationToken {
    static func path(in directory: StateDirectory) -> String { directory.root + "/registration.token" }

    static func create(in directory: StateDirectory) throws -> String {
        var generator = SystemRandomNumberGenerator()
        let token = (0..<4).map { _ in String(generator.next() as UInt64, radix: 16) }
            .map { String(repeating: "0", count: 16 - $0.count) + $0 }.joined()
        let path = path(in: directory)
        try? FileManager.default.removeItem(atPath: path)
        FileManager.default.createFile(atPath: path, contents: Data(token.utf8), attributes: [.posixPermissions: 0o600])
        return token
    }

    /// Whether `authorization` (the header's value) carries `token`; compared in constant time.
    static func accepts(_ authorization: String?, token: String) -> Bool {
        guard let authorization, authorization.hasPrefix("Bearer ") else { return false }
        let given = Array(authorization.dropFirst(7).utf8)
        let expected = Array(token.utf8)
        guard given.count == expected.count else { return false }
        return zip(given, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
