import Foundation
import Logging
import MeshDNS
import OperatorAPI
import ServiceLifecycle

extension StateDirectory {
    /// The DNS interface's bound address (`127.0.0.1:PORT`) while the operator serves one.
    public var dnsAddressPath: String { root + "/dns.addr" }
}

/// Serves the DNS interface until shutdown. A port that cannot be bound (another operator has 8600) is logged and
/// leaves the operator running without DNS: names are a convenience, the mesh does not depend on them.
struct DNSService: Service {
    let server: DNSServer
    let address: HTTPListenAddress
    let directory: StateDirectory
    let logger: Logger

    func run() async throws {
        let path = directory.dnsAddressPath
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let port = try await server.start(host: address.host, port: address.port)
            let bound = HTTPListenAddress(host: address.host, port: port).description
            try? bound.write(toFile: path, atomically: true, encoding: .utf8)
            logger.info("DNS listening", metadata: ["address": "\(bound)", "zone": "service.mesh"])
        } catch {
            logger.error("DNS interface not started", metadata: ["address": "\(address)", "error": "\(error)"])
        }
        try? await gracefulShutdown()
        await server.stop()
    }
}
