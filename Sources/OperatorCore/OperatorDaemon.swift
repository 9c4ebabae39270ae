import Foundation
import Logging
import MeshDNS
import MeshStore
import MeshTelemetry
import OperatorAPI
import ProcessRuntime
import ServiceLifecycle
import UnixSignals

/// The operator process (`meshctl operator`): the API server, the reconcile loop and a watcher of child exits, run
/// as one ServiceGroup. SIGTERM/SIGINT stop the operator and leave the processes it started running (a restarted
/// operator adopts them); `meshctl down` stops them first.
public struct OperatorDaemon: Sendable {
    public let directory: StateDirectory
    public let meshctlPath: String
    public let gatewayPort: Int
    /// The read-only HTTP listener for `/metrics` and the dashboard (Dashboard/); nil: none.
    public var http: HTTPListenAddress?
    /// The SPIFFE trust domain of the first anchor (kept in `STATE/identity/trust-domain` after that).
    public var trustDomain = "meshctl.local"
    /// How long the CA's leaf certificates live (`--cert-lifetime`); each proxy renews at 70 % of it.
    public var leafLifetime: Duration = .seconds(24 * 3600)
    /// The DNS interface (`NAME.service.mesh`); nil: none.
    public var dns: HTTPListenAddress? = HTTPListenAddress(host: "127.0.0.1", port: 8600)
    /// Seconds DNS answers may be cached, 0-5.
    public var dnsTTL: UInt32 = 1

    public init(directory: StateDirectory, meshctlPath: String, gatewayPort: Int) {
        self.directory = directory
        self.meshctlPath = meshctlPath
        self.gatewayPort = gatewayPort
    }

    public func run() async throws {
        MallocArenas.limit(to: 2)
        try directory.create()
        try String(getpid()).write(toFile: directory.pidPath, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: directory.pidPath) }
        var logger = Logger(label: "meshctl.operator")
        if let level = ProcessInfo.processInfo.environment["MESH_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) {
            logger.logLevel = level
        }
        logger[metadataKey: "state"] = "\(directory.root)"
        let store = try SQLiteStore(stateDirectory: directory.root)
        defer { try? store.close() }
        let runtime = LocalProcessRuntime()
        let loop = ReconcileLoop(store: store, runtime: runtime, directory: directory, meshctlPath: meshctlPath,
                                 gatewayPort: gatewayPort, logger: logger)
        // The CA: the first start creates the trust anchor (docs/identity.md).
        let identity = try IdentityAuthority(directory: directory, trustDomain: trustDomain,
                                             leafLifetime: Double(leafLifetime.components.seconds)
                                                 + Double(leafLifetime.components.attoseconds) / 1e18)
        let api = APIServer(socketPath: directory.socketPath,
                            handler: OperatorRoutes(store: store, loop: loop, gatewayPort: gatewayPort, identity: identity))
        // The loop returns only when `meshctl down` has stopped everything; then the whole operator ends.
        var configuration = ServiceGroupConfiguration(
            services: [
                .init(service: APIService(server: api, logger: logger)),
                .init(service: LoopService(loop: loop), successTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: ExitWatcher(runtime: runtime, loop: loop)),
            ],
            logger: logger)
        if let dns {
            let server = DNSServer()
            await loop.attachDNS(server, ttl: dnsTTL)
            configuration.services.append(
                .init(service: DNSService(server: server, address: dns, directory: directory, logger: logger)))
        }
        if let http {
            let history = DashboardHistory()
            let scraper = MeshScraper(operatorClient: APIClient(socketPath: directory.socketPath))
            var routes = DashboardRoutes(loop: loop, store: store, history: history)
            routes.registrations = RegistrationRoutes(loop: loop)
            routes.registrationToken = try RegistrationToken.create(in: directory)
            configuration.services += [
                .init(service: DashboardService(server: APIServer(socketPath: "", handler: routes), address: http,
                                                directory: directory, logger: logger)),
                // The sampler takes its targets from the loop; the scraper's operator client goes unused.
                .init(service: DashboardSampler(loop: loop, store: store, history: history, scraper: scraper)),
            ]
        }
        configuration.gracefulShutdownSignals = [.sigterm, .sigint]
        let group = ServiceGroup(configuration: configuration)
        logger.info("operator starting", metadata: ["gatewayPort": "\(gatewayPort)"])
        try await group.run()
    }
}

/// Serves the API until shutdown.
struct APIService: Service {
    let server: APIServer
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await server.run { logger.info("API listening", metadata: ["socket": "\(server.socketPath)"]) }
        }
    }
}

/// Runs the reconcile loop; when `meshctl down` has stopped everything, it ends, and the group with it.
struct LoopService: Service {
    let loop: ReconcileLoop

    func run() async throws {
        await cancelWhenGracefulShutdown { await loop.run() }
    }
}

/// Kicks the loop the moment a child exits, instead of at the next tick.
struct ExitWatcher: Service {
    let runtime: any ProcessRuntime
    let loop: ReconcileLoop

    func run() async throws {
        await cancelWhenGracefulShutdown {
            for await _ in runtime.terminations() { await loop.kick() }
        }
    }
}
