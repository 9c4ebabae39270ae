import ArgumentParser
import Foundation
import OperatorAPI
import OperatorCore
import ProcessRuntime

extension Meshctl {
    /// `meshctl up`: starts the operator in the background and waits until it answers.
    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start the operator in the background.")

        @OptionGroup var state: StateOptions

        @Option(help: "Port of the ingress gateway on 127.0.0.1.")
        var gatewayPort = 8000

        @Option(help: "Loopback address for /metrics and the dashboard: 127.0.0.1:PORT (0: any free port) or off.")
        var http = "127.0.0.1:0"

        @Option(help: "SPIFFE trust domain of workload identities (spiffe://DOMAIN/ns/default/sa/SERVICE); fixed by the first start of a state directory.")
        var trustDomain = "meshctl.local"

        @Option(help: "Loopback address of the DNS interface (NAME.service.mesh): 127.0.0.1:PORT (0: any free port) or off.")
        var dns = "127.0.0.1:8600"

        @Option(help: "Seconds a DNS answer may be cached, 0-5.")
        var dnsTTL = 1

        @Option(help: ArgumentHelp(OperatorCommand.certLifetimeHelp))
        var certLifetime = "24h"

        func validate() throws {
            guard http == "off" || HTTPListenAddress(parsing: http) != nil else {
                throw ValidationError("--http: expected 127.0.0.1:PORT (loopback only) or off")
            }
            guard dns == "off" || HTTPListenAddress(parsing: dns) != nil else {
                throw ValidationError("--dns: expected 127.0.0.1:PORT (loopback only) or off")
            }
            guard (0...5).contains(dnsTTL) else { throw ValidationError("--dns-ttl: expected 0 to 5 seconds") }
            _ = try OperatorCommand.leafLifetime(certLifetime)
        }

        func run() async throws {
            let directory = state.directory
            if let response = try? await state.client.send("GET", "/healthz"), response.status == 200 {
                Console.out("operator already running; state in \(directory.root)")
                return
            }
            try directory.create()
            let spec = ProcessSpec(
                arguments: [SelfExecutable.path, "operator", "--state-dir", directory.root,
                            "--gateway-port", String(gatewayPort), "--http", http, "--trust-domain", trustDomain,
                            "--dns", dns, "--dns-ttl", String(dnsTTL), "--cert-lifetime", certLifetime],
                logPath: directory.operatorLogPath)
            let handle = try await LocalProcessRuntime().spawn(spec)
            // Bounded wait: 100 × 100 ms.
            for _ in 0..<100 {
                if let response = try? await state.client.send("GET", "/healthz"), response.status == 200 {
                    Console.out("operator running (pid \(handle.pid)); state in \(directory.root); "
                        + "gateway on 127.0.0.1:\(gatewayPort)")
                    return
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            let tail = await LocalProcessRuntime().tail(logPath: directory.operatorLogPath, lines: 10)
            Console.err("error: the operator did not answer within 10s; its log (\(directory.operatorLogPath)):")
            tail.forEach { Console.err("  " + $0) }
            throw ExitCode(1)
        }
    }
}
