import ArgumentParser
import DemoApp
import DurationText
import Foundation
import ProxyCommand

extension Meshctl {
    /// `meshctl demo-app`: the demo workload the examples run, so a fresh machine needs nothing else.
    struct DemoAppCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "demo-app",
            abstract: "Run the demo HTTP workload (answers with its version; failures and latency on demand).")

        @Option(help: "The version it reports in its answers and the x-demo-version header.")
        var version = "v1"

        @Option(help: "Share of requests to / answered with 500, from 0 to 1 (exact over any run).")
        var errorRate = 0.0

        @Option(help: "Delay before every answer to /, e.g. 5ms or 1s.")
        var latency = "0ms"

        @Option(help: "Address to bind.")
        var host = "127.0.0.1"

        @Option(help: "Port to bind; default: the PORT environment variable, else any free port.")
        var port: Int?

        func validate() throws {
            guard (0...1).contains(errorRate) else { throw ValidationError("--error-rate must be between 0 and 1") }
            _ = try Duration.flag("--latency", latency)
        }

        func run() async throws {
            let environmentPort = ProcessInfo.processInfo.environment["PORT"].flatMap(Int.init)
            let options = DemoAppOptions(
                host: host, port: port ?? environmentPort ?? 0, version: version, errorRate: errorRate,
                latencyNanoseconds: Duration.parse(latency)!.wholeMilliseconds * 1_000_000)  // checked in validate()
            let server = try await DemoServer.start(options)
            Console.out("demo-app \(version) listening on \(host):\(server.port)")
            try await SignalWaiter.waitForTermination()
            try await server.stop()
        }
    }
}
