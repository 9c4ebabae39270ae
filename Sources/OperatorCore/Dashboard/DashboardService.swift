import Foundation
import Logging
import OperatorAPI
import ServiceLifecycle
import SidecarConfig

/// Where the operator's HTTP listener should bind: `127.0.0.1:9901`, or port 0 for any free port. The bound
/// address is written to `http.addr` in the state folder, where `meshctl dashboard` reads it.
public struct HTTPListenAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `HOST:PORT` (as `HostPort` reads it); only loopback hosts are accepted, as the listener has no authentication.
    public init?(parsing text: String) {
        guard let address = HostPort(parsing: text), ["127.0.0.1", "localhost", "::1"].contains(address.host) else {
            return nil
        }
        self.init(host: address.host == "localhost" ? "127.0.0.1" : address.host, port: address.port)
    }

    public var description: String { HostPort(host: host, port: port).description }
}

extension StateDirectory {
    /// The operator's HTTP address (`127.0.0.1:PORT`) while it serves one.
    public var httpAddressPath: String { root + "/http.addr" }

    /// What the running operator wrote there, if anything.
    public func recordedHTTPAddress() -> String? {
        (try? String(contentsOfFile: httpAddressPath, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Serves `DashboardRoutes` on the HTTP address until shutdown; records the bound address, removes it at the end.
struct DashboardService: Service {
    let server: APIServer
    let address: HTTPListenAddress
    let directory: StateDirectory
    let logger: Logger

    func run() async throws {
        let path = directory.httpAddressPath
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await cancelWhenGracefulShutdown {
            try await server.runTCP(host: address.host, port: address.port) { port in
                let bound = HTTPListenAddress(host: address.host, port: port).description
                try? bound.write(toFile: path, atomically: true, encoding: .utf8)
                logger.info("HTTP listening (metrics, dashboard)", metadata: ["address": "http://\(bound)/"])
            }
        }
    }
}
