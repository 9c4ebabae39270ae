import ArgumentParser
import Dispatch
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

extension Meshctl {
    /// `meshctl proxy`: the sidecar proxy, from a configuration file (operator mode) or quick flags.
    struct Proxy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the sidecar HTTP/1.1 proxy.",
            discussion: """
                Quick mode:  meshctl proxy --listen 127.0.0.1:8080 --to 127.0.0.1:9000,127.0.0.1:9001
                Config mode: meshctl proxy --config sidecar.json --admin 127.0.0.1:9901
                Prints one line per bound socket ("listening NAME HOST:PORT", "admin HOST:PORT"); port 0 picks a
                free port. SIGTERM or SIGINT drain (finish requests in flight) and exit.
                """)

        @Option(help: "Quick mode: the address to accept on (host:port).")
        var listen: String?

        @Option(help: "Quick mode: upstream endpoints, comma-separated host:port list (round-robin, no retries).")
        var to: String?

        @Option(help: "Config mode: a sidecar configuration JSON file.")
        var config: String?

        @Option(help: "The admin endpoint address (127.0.0.1 only).")
        var admin: String?

        @Option(name: .customLong("access-log"), help: "Append one JSON line per request to this file (overrides the configuration's accessLog).")
        var accessLog: String?

        @Flag(inversion: .prefixedNo, help: "Record per-request metrics (--no-metrics: only to measure what they cost).")
        var metrics = true

        @Option(help: "Event loop threads.")
        var threads: Int = 1

        @Option(help: "Quick mode: overall request timeout (e.g. 15s); none by default.")
        var timeout: String?

        func validate() throws {
            if config == nil && (listen == nil || to == nil) {
                throw ValidationError("give --config FILE, or --listen and --to")
            }
            if config != nil && (listen != nil || to != nil) {
                throw ValidationError("--config and --listen/--to are exclusive")
            }
            if let listen, HostPort(parsing: listen) == nil { throw ValidationError("--listen: expected host:port") }
            if let admin, HostPort(parsing: admin) == nil { throw ValidationError("--admin: expected host:port") }
            if let to {
                for part in to.split(separator: ",") where HostPort(parsing: String(part)) == nil {
                    throw ValidationError("--to: expected host:port, got \"\(part)\"")
                }
            }
            if let timeout, ConfigDuration(parsing: timeout) == nil {
                throw ValidationError("--timeout: expected a duration like 15s")
            }
            if !(1...64).contains(threads) { throw ValidationError("--threads: 1...64") }
        }

        func run() async throws {
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
                configuration = Sidecar.quickConfiguration(
                    listen: HostPort(parsing: listen!)!,
                    endpoints: to!.split(separator: ",").compactMap { HostPort(parsing: String($0)) },
                    timeout: timeout.flatMap(ConfigDuration.init(parsing:)))
            }
            let server = ProxyServer(
                configuration: configuration,
                options: .init(threads: threads, admin: admin.flatMap(HostPort.init(parsing:)), accessLogPath: accessLog, metrics: metrics))
            // A client that goes away must not kill the proxy.
            signal(SIGPIPE, SIG_IGN)
            let bound = try await server.start()
            for address in bound {
                print(address.kind == "admin" ? "admin \(address.address)" : "listening \(address.name) \(address.address)")
            }
            fflush(nil)  // all streams: stdout may be a pipe the operator reads
            let signals = [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { server.beginDrain() }
                source.resume()
                return source
            }
            await server.waitUntilStopped()
            for source in signals { source.cancel() }
        }
    }
}
