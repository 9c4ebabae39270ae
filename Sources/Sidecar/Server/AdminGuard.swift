import SidecarConfig

/// What the admin endpoint lets a caller do (docs/security.md, "Proxy admin endpoints").
///
/// Any local process can connect to a loopback port, so the port itself proves nothing. Reads (`GET`: readiness,
/// metrics, stats, the running configuration) stay open, so a local Prometheus or `curl` can look; every request that
/// changes something (`PUT`/`PATCH /config`, `POST /drain`) must carry `Authorization: Bearer <token>`, the secret
/// the operator wrote to an owner-only file and passed with `--admin-token-file`. A configuration sent over the admin
/// endpoint may not name a file the proxy was not started with: the access log path comes from the command line
/// (or the start-up configuration file), so a caller cannot make the proxy append to any file its user can write.
struct AdminGuard: Sendable {
    /// The bearer token's bytes; nil when the proxy was embedded without one (tests, `ProxyServer` used as a
    /// library). Kept as bytes: each request's `Authorization` value is compared where it was received, unconverted.
    private let token: [UInt8]?
    /// The access log file the proxy was started with; the only one a pushed configuration may name.
    let launchAccessLogPath: String?

    init(token: String?, launchAccessLogPath: String?) {
        self.token = token.map { Array($0.utf8) }
        self.launchAccessLogPath = launchAccessLogPath
    }

    enum Verdict: Equatable {
        case allowed
        /// 401: no token, or the wrong one. Nothing was changed.
        case unauthorized
    }

    /// Whether a request may do what it asks: `method`, with `authorization` the bytes of its (first)
    /// `Authorization` value, nil when it has none. Reads are open; changes need the token.
    func verdict(method: HTTPHead.Method, authorization: UnsafeRawBufferPointer?) -> Verdict {
        guard let token, method != .get, method != .head else { return .allowed }
        let scheme: StaticString = "Bearer "
        guard let presented = authorization, presented.count >= scheme.utf8CodeUnitCount,
              presented.starts(with: UnsafeRawBufferPointer(start: scheme.utf8Start, count: scheme.utf8CodeUnitCount))
        else { return .unauthorized }
        let credential = UnsafeRawBufferPointer(rebasing: presented[scheme.utf8CodeUnitCount...])
        return token.withUnsafeBytes { Self.constantTimeEqual(credential, $0) } ? .allowed : .unauthorized
    }

    /// Refuses a pushed configuration whose access log names a file other than the one the proxy started with.
    func checkPushed(_ config: SidecarConfiguration) throws(ConfigError) {
        guard let pushed = config.accessLog?.path, pushed != launchAccessLogPath else { return }
        throw ConfigError(problems: [.init(
            path: "accessLog.path",
            message: "a configuration sent over the admin endpoint cannot name a file (\(pushed)); "
                + "start the proxy with --access-log or with it in its --config file")])
    }

    /// Compares without stopping at the first difference, so the time taken says nothing about the token.
    static func constantTimeEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in 0..<a.count { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
