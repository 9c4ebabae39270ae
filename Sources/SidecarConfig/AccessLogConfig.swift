/// Where a proxy writes its access log: one JSON line per request it handles (docs/sidecar.md, "Access log").
///
/// Absent from a configuration means no access log. `meshctl proxy --access-log PATH` overrides it.
public struct AccessLogConfig: Sendable, Hashable, Codable {
    /// The file lines are appended to (created 0600 when missing; its folder must exist).
    public var path: String
    /// The `proxy` field of every line: which proxy wrote it (the operator uses the slot, `web/sidecar/0`).
    /// Nil uses `proxy@` and the first listener's address.
    public var proxy: String?

    public init(path: String, proxy: String? = nil) {
        self.path = path
        self.proxy = proxy
    }

    private enum CodingKeys: String, CodingKey { case path, proxy }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.path = try c.decode(String.self, forKey: .path)
        self.proxy = try c.decodeIfPresent(String.self, forKey: .proxy)
    }
}
