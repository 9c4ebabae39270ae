import Synchronization
import Sidecar
import SidecarConfig

/// Starts a `ProxyServer` in-process on 127.0.0.1 port 0 with an admin endpoint, and stops it.
struct ProxyHarness: Sendable {
    let server: ProxyServer
    let port: Int
    let adminPort: Int

    init(_ config: SidecarConfiguration, threads: Int = 1, adminToken: String? = nil) async throws {
        server = ProxyServer(
            configuration: config,
            options: .init(threads: threads, admin: HostPort(host: "127.0.0.1", port: 0), adminToken: adminToken))
        let bound = try await server.start()
        port = bound.first { $0.kind != "admin" }!.address.port
        adminPort = bound.first { $0.kind == "admin" }!.address.port
    }

    func stop() async { await server.drain(timeout: .seconds(2)) }

    /// One request on a fresh connection.
    func get(_ path: String = "/", method: String = "GET", headers: [String] = [], body: String? = nil) throws
        -> RawClient.Response
    {
        try RawClient(port: port).request(method, path, headers: headers, body: body)
    }

    func admin(_ method: String, _ path: String, headers: [String] = [], body: String? = nil) throws -> RawClient.Response {
        try RawClient(port: adminPort).request(method, path, headers: headers, body: body)
    }

    /// A proxy configuration: one inbound listener to `service`, plus any other services, splits and policies.
    static func config(
        version: String = "v1", services: [ServiceConfig], listenerService: String? = nil, splits: [TrafficSplitConfig] = [],
        retryPolicies: [RetryPolicyConfig] = [], timeout: Duration? = .seconds(10)
    ) -> SidecarConfiguration {
        SidecarConfiguration(
            version: version,
            listeners: [
                Listener(name: "in", kind: .inbound, address: "127.0.0.1:0", service: listenerService ?? services[0].name)
            ],
            services: services, splits: splits, retryPolicies: retryPolicies, defaultRequestTimeout: timeout)
    }
}

/// A value shared between a test and the load it starts.
final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    var value: Value { mutex.withLock { $0 } }
    func update(_ body: (inout Value) -> Void) { mutex.withLock { body(&$0) } }
}
