/// How a demo workload behaves: who it says it is, how often it fails and how slowly it answers.
public struct DemoAppOptions: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// Reported in the body and the `x-demo-version` header, so a client can count answers per version.
    public var version: String
    /// Share of requests to `/` answered with 500, from 0 to 1. Health checks (`/healthz`) never fail.
    public var errorRate: Double
    /// Added before every answer to `/`.
    public var latencyNanoseconds: Int64

    public init(host: String = "127.0.0.1", port: Int = 0, version: String = "v1", errorRate: Double = 0,
                latencyNanoseconds: Int64 = 0) {
        self.host = host
        self.port = port
        self.version = version
        self.errorRate = errorRate
        self.latencyNanoseconds = latencyNanoseconds
    }
}
