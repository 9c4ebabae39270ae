import ArgumentParser
import Foundation
import OperatorAPI

extension Meshctl {
    /// `meshctl register service/NAME --address HOST:PORT --ttl 10s`: joins an instance running outside the operator
    /// to a Service, heartbeats until interrupted, then deregisters it.
    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Register an instance into a Service that allows it; heartbeat until ^C, then deregister.")

        @OptionGroup var state: StateOptions

        @Argument(help: "service/NAME (or NAME)")
        var target: String

        @Option(help: "Where the instance serves, HOST:PORT (IPv6 as [::1]:PORT).")
        var address: String

        @Option(help: "Time to live: the instance leaves the Service when no heartbeat comes for this long.")
        var ttl = "10s"

        func run() async throws {
            let client = RegistrationClient(state: state,
                                            request: RegistrationRequest(service: try ServiceTarget.name(target),
                                                                         address: address, ttl: ttl))
            let registered = try await client.register()
            let interval = max(registered.ttlSeconds / 3, 0.2)
            Console.out("service/\(registered.service): \(registered.address) registered (ttl \(ttl)); "
                        + "heartbeat every \(String(format: "%.1f", interval))s until interrupted")
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await SignalWaiter.waitForTermination() }
                group.addTask { await client.heartbeat(every: interval) }
                _ = try await group.next()
                group.cancelAll()
            }
            try await client.deregister()
            Console.out("service/\(registered.service): \(registered.address) deregistered")
        }
    }

    /// `meshctl deregister service/NAME --address HOST:PORT`.
    struct Deregister: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a registered instance from a Service now.")

        @OptionGroup var state: StateOptions

        @Argument(help: "service/NAME (or NAME)")
        var target: String

        @Option(help: "The instance's HOST:PORT, as registered.")
        var address: String

        func run() async throws {
            let request = RegistrationRequest(service: try ServiceTarget.name(target), address: address)
            try await RegistrationClient(state: state, request: request).deregister()
            Console.out("service/\(request.service): \(address) deregistered")
        }
    }
}

/// `service/NAME`, `svc/NAME` or `NAME`.
enum ServiceTarget {
    static func name(_ text: String) throws -> String {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        if parts.count == 1, !text.isEmpty { return text }
        guard parts.count == 2, ["service", "services", "svc"].contains(parts[0].lowercased()), !parts[1].isEmpty else {
            throw ValidationError("expected service/NAME, got \"\(text)\"")
        }
        return String(parts[1])
    }
}
