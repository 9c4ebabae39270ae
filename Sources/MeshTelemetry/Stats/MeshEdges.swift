import Foundation
import OperatorAPI

/// Who calls whom, from the callee side: every inbound sidecar's `mesh_inbound_requests_total`, summed by caller,
/// callee and whether the calls are mTLS (`meshctl edges`, as `linkerd viz edges`).
public struct MeshEdges: Sendable, Hashable {
    public struct Edge: Sendable, Hashable, Comparable, Codable {
        /// The calling service (from its SPIFFE ID), or `unauthenticated` for plaintext callers.
        public var from: String
        public var to: String
        public var mtls: Bool

        public static func < (a: Edge, b: Edge) -> Bool { (a.to, a.from, a.mtls ? 0 : 1) < (b.to, b.from, b.mtls ? 0 : 1) }
    }

    public struct Counts: Sendable, Hashable {
        public var requests: Double = 0
        /// Answers that were not 5xx.
        public var successes: Double = 0
    }

    public var time: Double
    public var byEdge: [Edge: Counts] = [:]

    public init(time: Double) { self.time = time }

    /// Adds one proxy's `/metrics` text.
    public mutating func add(metrics body: [UInt8]) {
        for sample in PrometheusSample.parse(String(decoding: body, as: UTF8.self))
        where sample.name == "mesh_inbound_requests_total" {
            guard let service = sample.labels["service"], let peer = sample.labels["peer"] else { continue }
            let to = service.hasPrefix("local:") ? String(service.dropFirst("local:".count)) : service
            let from = peer.range(of: "/sa/").map { String(peer[$0.upperBound...]) } ?? peer
            let edge = Edge(from: from, to: to, mtls: sample.labels["tls"] == "true")
            byEdge[edge, default: Counts()].requests += sample.value
            if sample.labels["code"] != "5xx" { byEdge[edge, default: Counts()].successes += sample.value }
        }
    }

    /// One row per edge seen in `end`: requests/s and success over the window between the two scrapes.
    public static func rows(from start: MeshEdges, to end: MeshEdges) -> [Row] {
        let seconds = max(end.time - start.time, 0.001)
        return end.byEdge.keys.sorted().map { edge in
            let before = start.byEdge[edge] ?? Counts()
            let after = end.byEdge[edge] ?? Counts()
            let requests = max(0, after.requests - before.requests)
            let successes = max(0, after.successes - before.successes)
            return Row(from: edge.from, to: edge.to, mtls: edge.mtls, requestsPerSecond: requests / seconds,
                       success: requests > 0 ? successes / requests : nil)
        }
    }

    public struct Row: Sendable, Hashable, Codable {
        public var from: String
        public var to: String
        public var mtls: Bool
        public var requestsPerSecond: Double
        /// nil: no request in the window.
        public var success: Double?

        public init(from: String, to: String, mtls: Bool, requestsPerSecond: Double, success: Double?) {
            self.from = from
            self.to = to
            self.mtls = mtls
            self.requestsPerSecond = requestsPerSecond
            self.success = success
        }
    }
}

extension MeshScraper {
    /// Every proxy's inbound request counters by caller, summed; proxies that do not answer in time are left out.
    public func scrapeEdges(adminPorts: [Int]) async -> MeshEdges {
        let started = ProcessInfo.processInfo.systemUptime
        let timeout = timeout
        let proxies = proxies
        let bodies = await withTaskGroup(of: [UInt8]?.self) { group in
            for port in adminPorts {
                group.addTask {
                    guard let response = try? await proxies.send(port: port, "GET", "/metrics", timeout: timeout),
                          response.status == 200 else { return nil }
                    return response.body
                }
            }
            var bodies: [[UInt8]] = []
            for await body in group { if let body { bodies.append(body) } }
            return bodies
        }
        var edges = MeshEdges(time: (started + ProcessInfo.processInfo.systemUptime) / 2)
        for body in bodies { edges.add(metrics: body) }
        return edges
    }
}
