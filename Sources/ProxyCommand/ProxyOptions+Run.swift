import ArgumentParser
import Logging
import NIOCore
import MeshIdentity
import DurationText
import Sidecar
import SidecarConfig

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ProxyOptions {
    /// Loads the configuration, binds, prints the bound addresses and serves until drained (SIGTERM, SIGINT or
    /// `POST /drain`).
    public func run() async throws {
        try await run(eventLoop: nil)
    }

    /// `run()`, serving on `eventLoop` when given (the caller's thread: `runOnMainThread`) instead of `threads`
    /// event loops of the server's own.
    func run(eventLoop: (any EventLoop)?) async throws {
        let configuration: SidecarConfiguration
        if let path = config {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("cannot read \(path)")
            }
            do {
                configuration = try SidecarConfiguration.decode(json: data)
            } catch {
                throw ValidationError("\(path): invalid configuration:\n\(error)")
            }
        } else {
            var quick = Sidecar.quickConfiguration(
                listen: HostPort(parsing: listen!)!,
                endpoints: to!.split(separator: ",").compactMap { HostPort(parsing: String($0)) },
                timeout: timeout.flatMap(Duration.parse), appProtocol: appProtocol)
            if let idle = tunnelIdleTimeout.flatMap(Duration.parse) { quick.limits.tunnelIdleTimeout = idle }
            configuration = quick
        }
        // The workload identity first: a proxy that should speak mTLS and cannot get a certificate fails to start
        // (its supervisor restarts it) rather than serve plaintext where peers expect TLS.
        let meshTLS = identityService == nil ? nil : MeshTLS()
        var identity: (client: IdentityClient, first: IssuedCertificate)? = nil
        if let meshTLS, let identityService, let identitySocket {
            let client = IdentityClient(
                service: identityService, socketPath: identitySocket, tls: meshTLS,
                lifetimeSeconds: identityLifetime.flatMap(Duration.parse).map { Double($0.components.seconds) },
                eventLoop: eventLoop)
            do {
                identity = (client, try await client.renew())
            } catch {
                throw ValidationError("--identity-service \(identityService): \(error)")
            }
        }
        var serverOptions = ProxyServer.Options(
            threads: threads, admin: admin.flatMap(HostPort.init(parsing:)), accessLogPath: accessLog,
            metrics: metrics, writeBatching: writeBatching, reusePort: reusePort,
            adminToken: try adminToken(), meshTLS: meshTLS)
        // Socket activation: a listener socket the operator keeps open across this proxy's restarts.
        serverOptions.inheritedSocket = InheritedSocket.fromEnvironment(ProcessInfo.processInfo.environment)
        serverOptions.eventLoop = eventLoop
        if !heapTrim { serverOptions.heapTrimDelay = nil }
        if let client = identity?.client {
            serverOptions.renewIdentity = { try await client.renewNowAnswer() }
        }
        let server = ProxyServer(configuration: configuration, options: serverOptions)
        // A client that goes away must not kill the proxy.
        signal(SIGPIPE, SIG_IGN)
        let bound = try await server.start()
        try await server.drainOnSignals()
        for address in bound {
            print(address.kind == "admin" ? "admin \(address.address)" : "listening \(address.name) \(address.address)")
        }
        fflush(nil)  // all streams: stdout may be a pipe the operator reads
        let renewals = identity.map { identity in
            Task { await identity.client.keepFresh(first: identity.first, logger: Logger(label: "mesh-proxy.identity")) }
        }
        await server.waitUntilStopped()
        renewals?.cancel()
        await renewals?.value  // before the caller stops the loop its wait is scheduled on
    }
}
