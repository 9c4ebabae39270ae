import ArgumentParser
import OperatorCore

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
        }

        func run() async throws {
            var daemon = OperatorDaemon(directory: state.directory, meshctlPath: SelfExecutable.path,
                                        gatewayPort: gatewayPort)
            daemon.http = HTTPListenAddress(parsing: http)
            daemon.trustDomain = trustDomain
            daemon.dns = HTTPListenAddress(parsing: dns)
            daemon.dnsTTL = UInt32(dnsTTL)
            try await daemon.run()
        }
    }
}
