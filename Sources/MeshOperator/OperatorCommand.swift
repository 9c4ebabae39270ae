import ArgumentParser
import OperatorCore
import ProxyCommand

extension Meshctl {
    /// `meshctl operator`: the operator in the foreground (what `meshctl up` starts in the background).
    struct OperatorCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "operator",
            abstract: "Run the operator in the foreground (meshctl up runs it in the background).")

        @OptionGroup var state: StateOptions

        @Option(help: "Port of the ingress gateway on 127.0.0.1 (routes by Host header to services).")
        var gatewayPort = 8000

        @Option(help: "Loopback address for /metrics and the dashboard: 127.0.0.1:PORT (0: any free port) or off.")
        var http = "127.0.0.1:0"

        @Option(help: "SPIFFE trust domain of workload identities (spiffe://DOMAIN/ns/default/sa/SERVICE); fixed by the first start of a state directory.")
        var trustDomain = "meshctl.local"
        @Option(help: "Loopback address of the DNS interface (NAME.service.mesh): 127.0.0.1:PORT (0: any free port) or off.")
        var dns = "127.0.0.1:8600"

        @Option(help: ArgumentHelp(Self.certLifetimeHelp))
        var certLifetime = "24h"

        @Option(help: "Seconds a DNS answer may be cached, 0-5.")
        var dnsTTL = 1

        func validate() throws {
            guard http == "off" || HTTPListenAddress(parsing: http) != nil else {
                throw ValidationError("--http: expected 127.0.0.1:PORT (loopback only) or off")
            }
            guard dns == "off" || HTTPListenAddress(parsing: dns) != nil else {
                throw ValidationError("--dns: expected 127.0.0.1:PORT (loopback only) or off")
            }
            guard (0...5).contains(dnsTTL) else { throw ValidationError("--dns-ttl: expected 0 to 5 seconds") }
            _ = try Self.leafLifetime(certLifetime)
        }

        static let certLifetimeHelp = "Lifetime of the workload certificates the operator's CA issues, 5s to 30d; every proxy renews at 70 % of it (docs/identity.md)."

        /// `--cert-lifetime` of `meshctl up` and `meshctl operator`: short enough to watch renewals in a test, never
        /// below 5 s (the proxy needs the last 30 % to retry a failed renewal), never above 30 days (a leaf is meant
        /// to be short-lived; the anchor is what lasts).
        static func leafLifetime(_ text: String) throws(ValidationError) -> Duration {
            let lifetime = try Duration.flag("--cert-lifetime", text, atLeast: .seconds(5))
            guard lifetime <= .seconds(30 * 24 * 3600) else {
                throw ValidationError("--cert-lifetime: must be at most 30d, got \(text)")
            }
            return lifetime
        }

        func run() async throws {
            var daemon = OperatorDaemon(directory: state.directory, meshctlPath: SelfExecutable.path,
                                        gatewayPort: gatewayPort)
            daemon.http = HTTPListenAddress(parsing: http)
            daemon.trustDomain = trustDomain
            daemon.leafLifetime = try Self.leafLifetime(certLifetime)
            daemon.dns = HTTPListenAddress(parsing: dns)
            daemon.dnsTTL = UInt32(dnsTTL)
            try await daemon.run()
        }
    }
}
