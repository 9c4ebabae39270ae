import Foundation
import OperatorAPI

/// Reads what `meshctl stat` needs from a running operator: the topology (Services, TrafficSplits), the proxies'
/// admin ports, and their `/metrics`, fetched concurrently so one scrape of many proxies costs about one round trip.
public struct MeshScraper: Sendable {
    public struct Targets: Sendable, Hashable {
        public var topology: StatTopology
        /// Admin ports of every live sidecar and the gateway.
        public var adminPorts: [Int]
    }

    let operatorClient: APIClient
    let timeout: Duration
    /// Kept connections to the proxies: `stat`'s second scrape and the dashboard's every-second scrape reuse them.
    let proxies = KeepAliveClient()

    public init(operatorClient: APIClient, timeout: Duration = .seconds(2)) {
        self.operatorClient = operatorClient
        self.timeout = timeout
    }

    public func targets() async throws -> Targets {
        let status = try await operatorGet("/v1/status")
        guard status.status == 200,
              let snapshot = try? JSONDecoder().decode(StatusSnapshot.self, from: Data(status.body))
        else { throw ScrapeError.operatorAnswered(status.status) }
        let splits = try await operatorGet("/v1/objects?kind=TrafficSplit")
        let services = snapshot.objects.filter { $0.kind == "Service" }.map(\.name)
        let ports = snapshot.processes.filter { $0.role != "workload" && !$0.state.hasPrefix("exited") }
            .compactMap { $0.ports["admin"] }
        return Targets(topology: StatTopology(services: services, splits: Self.splits(splits.body)),
                       adminPorts: ports.sorted())
    }

    /// A read from the operator, tried up to three times: under load its socket now and then drops a connection
    /// ("I/O on closed channel", about 1 call in 50 in bench/stat), and a read is safe to repeat.
    private func operatorGet(_ target: String) async throws(APIClientError) -> APIResponse {
        var attempt = 0
        while true {
            do {
                return try await operatorClient.send("GET", target)
            } catch {
                attempt += 1
                guard case .transport = error, attempt < 3 else { throw error }
            }
        }
    }

    /// Every proxy's metrics, summed by label; proxies that do not answer in time are left out of this scrape.
    public func scrape(adminPorts: [Int]) async -> MeshScrape {
        let started = ProcessInfo.processInfo.systemUptime
        let timeout = timeout
        let proxies = proxies
        // Each proxy's text is parsed in its own task, so parsing spreads over the cores while others still answer.
        let parts = await withTaskGroup(of: MeshScrape?.self) { group in
            for port in adminPorts {
                group.addTask {
                    guard let response = try? await proxies.send(port: port, "GET", "/metrics", timeout: timeout),
                          response.status == 200 else { return nil }
                    var part = MeshScrape(time: 0)
                    part.add(metrics: response.body)
                    return part
                }
            }
            var parts: [MeshScrape] = []
            for await part in group { if let part { parts.append(part) } }
            return parts
        }
        // The counters were read somewhere between start and end; the midpoint errs least either way.
        var scrape = MeshScrape(time: (started + ProcessInfo.processInfo.systemUptime) / 2)
        for part in parts { scrape.byLabel.merge(part.byLabel, uniquingKeysWith: +) }
        return scrape
    }

    static func splits(_ body: [UInt8]) -> [StatTopology.Split] {
        struct List: Decodable {
            struct Item: Decodable {
                struct Metadata: Decodable { var name: String }
                struct Spec: Decodable {
                    struct Backend: Decodable { var service: String }
                    var service: String
                    var backends: [Backend]
                }
                var metadata: Metadata
                var spec: Spec
            }
            var items: [Item]
        }
        guard let list = try? JSONDecoder().decode(List.self, from: Data(body)) else { return [] }
        return list.items.map {
            StatTopology.Split(name: $0.metadata.name, root: $0.spec.service, backends: $0.spec.backends.map(\.service))
        }
    }

    public enum ScrapeError: Error, CustomStringConvertible {
        case operatorAnswered(Int)

        public var description: String {
            switch self {
            case .operatorAnswered(let code): "the operator answered \(code) to GET /v1/status"
            }
        }
    }
}
