import ArgumentParser
import Sidecar
import SidecarConfig

/// The flags of the sidecar proxy, shared by `meshctl proxy` and the lean `mesh-proxy` executable so both accept
/// exactly the same command line.
public struct ProxyOptions: ParsableArguments, Sendable {
    /// Help text both commands show, so `meshctl proxy --help` and `mesh-proxy --help` agree.
    public static let discussion = """
        Quick mode:  proxy --listen 127.0.0.1:8080 --to 127.0.0.1:9000,127.0.0.1:9001
        Config mode: proxy --config sidecar.json --admin 127.0.0.1:9901 --admin-token-file TOKEN
        Prints one line per bound socket ("listening NAME HOST:PORT", "admin HOST:PORT"); port 0 picks a
        free port. SIGTERM or SIGINT drain (finish requests in flight) and exit.
        """

    @Option(help: "Quick mode: the address to accept on (host:port).")
    public var listen: String?

    @Option(help: "Quick mode: upstream endpoints, comma-separated host:port list (round-robin, no retries).")
    public var to: String?

    @Option(name: .customLong("protocol"), help: "Quick mode: what the upstream speaks: http (HTTP/1.1, upgrades included), http2, grpc, or tcp (opaque bytes).")
    public var appProtocol: ServiceConfig.AppProtocol = .http

    @Option(help: "Config mode: a sidecar configuration JSON file.")
    public var config: String?

    @Option(help: "The admin endpoint address (127.0.0.1 only).")
    public var admin: String?

    @Option(name: .customLong("admin-token-file"), help: "An owner-only (0600) file holding the secret that admin requests which change something (PUT/PATCH /config, POST /drain) must send as 'Authorization: Bearer TOKEN'. Without it, --admin serves reads only.")
    public var adminTokenFile: String?

    @Option(name: .customLong("identity-service"), help: "Get a workload certificate for this Service from the operator (with --identity-socket) and speak mTLS to mesh peers.")
    public var identityService: String?

    @Option(name: .customLong("identity-socket"), help: "The operator's API socket, where the proxy sends its CSR (the key stays in the proxy).")
    public var identitySocket: String?

    @Option(name: .customLong("identity-lifetime"), help: "Certificate lifetime to ask for, e.g. 30s (default: the CA's, 24h); renewed at 70%.")
    public var identityLifetime: String?

    @Option(name: .customLong("access-log"), help: "Append one JSON line per request to this file (overrides the configuration's accessLog).")
    public var accessLog: String?

    @Flag(inversion: .prefixedNo, help: "Record per-request metrics (--no-metrics: only to measure what they cost).")
    public var metrics = true

    @Flag(inversion: .prefixedNo, help: "Send a busy loop's writes together at the end of its turn (--no-write-batching: only to measure what it buys).")
    public var writeBatching = true

    @Flag(inversion: .prefixedNo, help: "Give the heap's free pages back to the system 30 s after connections closed or a configuration changed (--no-heap-trim: only to measure what it does).")
    public var heapTrim = true

    @Flag(name: .customLong("reuse-port"), help: "Bind listeners with SO_REUSEPORT, so a replacement proxy can bind the same addresses before this one drains (the operator starts every proxy so).")
    public var reusePort = false

    @Option(help: "Event loop threads.")
    public var threads: Int = 1

    @Option(help: "Quick mode: overall request timeout (e.g. 15s); none by default.")
    public var timeout: String?

    @Option(name: .customLong("tunnel-idle-timeout"), help: "Quick mode: close a WebSocket or TCP tunnel that carried no byte for this long (e.g. 5m); default 1h.")
    public var tunnelIdleTimeout: String?

    public init() {}

    public func validate() throws {
        if config == nil && (listen == nil || to == nil) {
            throw ValidationError("give --config FILE, or --listen and --to")
        }
        if config != nil && (listen != nil || to != nil) {
            throw ValidationError("--config and --listen/--to are exclusive")
        }
        if config != nil && appProtocol != .http {
            throw ValidationError("--protocol is for quick mode; a configuration sets each service's appProtocol")
        }
        if let listen, HostPort(parsing: listen) == nil { throw ValidationError("--listen: expected host:port") }
        if let admin, HostPort(parsing: admin) == nil { throw ValidationError("--admin: expected host:port") }
        if let to {
            for part in to.split(separator: ",") where HostPort(parsing: String(part)) == nil {
                throw ValidationError("--to: expected host:port, got \"\(part)\"")
            }
        }
        if let timeout { _ = try Duration.flag("--timeout", timeout, atLeast: .milliseconds(1)) }
        if let tunnelIdleTimeout {
            _ = try Duration.flag("--tunnel-idle-timeout", tunnelIdleTimeout, atLeast: .milliseconds(1))
            if config != nil { throw ValidationError("--tunnel-idle-timeout is for quick mode; a configuration sets limits.tunnelIdleTimeout") }
        }
        if (identityService == nil) != (identitySocket == nil) {
            throw ValidationError("--identity-service and --identity-socket go together")
        }
        if let identityLifetime { _ = try Duration.flag("--identity-lifetime", identityLifetime, atLeast: .seconds(1)) }
        if !(1...64).contains(threads) { throw ValidationError("--threads: 1...64") }
    }
}

extension ServiceConfig.AppProtocol: ExpressibleByArgument {}
