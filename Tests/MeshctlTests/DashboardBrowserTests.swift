import Foundation
import Testing

/// The operator's dashboard and `/metrics` during a live canary rollout, checked the way a user sees them: headless
/// Chromium loads the page, and the DOM its scripts built must show the services, the edges with their rates, and
/// the rollout's weights.
@Suite("dashboard end to end", .serialized)
struct DashboardBrowserTests {

    private struct Graph: Decodable {
        struct Edge: Decodable {
            var from: String
            var to: String
            var requestsPerSecond: Double
            var weight: Int?
        }
        var edges: [Edge]
    }

    private struct Series: Decodable {
        var phase: String
        var canaryWeight: Int
        var points: [Point]
        struct Point: Decodable { var successRate: Double? }
    }

    @Test(.enabled(if: ChromiumBrowser.path != nil, Comment(rawValue: ChromiumBrowser.missing)))
    func chromiumShowsServicesEdgesAndRolloutWeightsDuringACanary() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let (root, primary, canary) =
            (OperatorHarness.freePort(), OperatorHarness.freePort(), OperatorHarness.freePort())
        try harness.write("mesh.yaml", CanaryMesh.manifests(root: root, primary: primary, canary: canary, canaryVersion: "v1"))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        #expect(harness.eventually(40) { LoopbackGet.get(port: root)?.status == 200 })

        // `meshctl dashboard` names the listener the operator wrote to its state folder.
        let printed = try harness.meshctl(["dashboard"])
        #expect(printed.status == 0, "\(printed.stderr)")
        let address = printed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let port = try #require(address.split(separator: ":").last.flatMap { Int($0.trimmingCharacters(in: ["/"])) },
                                "\(address)")
        #expect(address == "http://127.0.0.1:\(port)/")

        let load = LoadLoop(port: root)
        load.start()
        defer { load.stop() }
        try harness.write("mesh.yaml", CanaryMesh.manifests(root: root, primary: primary, canary: canary, canaryVersion: "v2"))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)

        // Wait (bounded) until the operator has a few samples of the rollout held at 30 % with traffic on both sides.
        func json<T: Decodable>(_ path: String, as type: T.Type) -> T? {
            LoopbackGet.get(port: port, path: path)
                .flatMap { try? JSONDecoder().decode(T.self, from: Data($0.body.utf8)) }
        }
        let ready = harness.eventually(90) {
            guard let series = json("/api/rollouts", as: [Series].self)?.first, series.canaryWeight == 30,
                  series.phase == "Paused", series.points.count >= 3, series.points.last?.successRate != nil,
                  let graph = json("/api/graph", as: Graph.self) else { return false }
            return graph.edges.contains { $0.from == "gateway" && $0.to == "web" && $0.requestsPerSecond > 0 }
                && graph.edges.contains { $0.from == "web" && $0.to == "web-canary" && $0.requestsPerSecond > 0 }
        }
        #expect(ready, "rollout: \(LoopbackGet.get(port: port, path: "/api/rollouts")?.body ?? "-")")
        #expect(load.sent > 0)

        let dom = try ChromiumBrowser.dumpDOM(url: address, virtualSeconds: 5)
        // The services, as nodes of the graph.
        for service in ["gateway", "web", "web-primary", "web-canary"] {
            #expect(DOMText.tag(id: "node-\(service)", in: dom).flatMap { DOMText.attribute("data-node", of: $0) }
                    == service, "node \(service) missing from:\n\(dom.prefix(3000))")
        }
        #expect(DOMText.attribute("data-kind", of: DOMText.tag(id: "node-web", in: dom) ?? "") == "split")
        // The edges, with their rates: the gateway's calls to web, web's split to both backends with the weights.
        let call = try #require(DOMText.tag(id: "edge-gateway-web", in: dom), "no gateway→web edge")
        #expect((DOMText.attribute("data-rps", of: call).flatMap(Double.init) ?? 0) > 0, "\(call)")
        #expect((DOMText.attribute("data-success", of: call).flatMap(Double.init) ?? 0) > 99, "\(call)")
        let toCanary = try #require(DOMText.tag(id: "edge-web-web-canary", in: dom), "no web→web-canary edge")
        #expect(DOMText.attribute("data-weight", of: toCanary) == "30")
        #expect((DOMText.attribute("data-rps", of: toCanary).flatMap(Double.init) ?? 0) > 0, "\(toCanary)")
        let toPrimary = try #require(DOMText.tag(id: "edge-web-web-primary", in: dom), "no web→web-primary edge")
        #expect(DOMText.attribute("data-weight", of: toPrimary) == "70")
        #expect(dom.contains("30% · ") && dom.contains(" rps · "), "edge labels missing")
        // The rollout: phase, weights, and charts with points and the success threshold.
        let rollout = try #require(DOMText.tag(id: "rollout-web", in: dom), "no rollout section")
        #expect(DOMText.attribute("data-phase", of: rollout) == "Paused")
        #expect(DOMText.attribute("data-canary-weight", of: rollout) == "30")
        #expect(DOMText.attribute("data-stable-weight", of: rollout) == "70")
        #expect(dom.contains(">web-canary 30%<") && dom.contains(">web-primary 70%<"))
        let canaryLine = try #require(DOMText.tags(class: "series-canary", in: dom).first)
        #expect(DOMText.attribute("data-last", of: canaryLine) == "30.0")
        #expect((DOMText.attribute("points", of: canaryLine) ?? "").split(separator: " ").count >= 3)
        #expect(DOMText.tags(class: "threshold", in: dom).contains { DOMText.attribute("data-value", of: $0) == "99" })
        let status = try #require(DOMText.tag(id: "status", in: dom))
        #expect((DOMText.attribute("data-polls", of: status).flatMap(Int.init) ?? 0) >= 1)

        // The operator's own /metrics, as Prometheus would scrape it.
        let metrics = try #require(LoopbackGet.get(port: port, path: "/metrics"))
        #expect(metrics.status == 200)
        let text = metrics.body
        #expect(text.contains(#"mesh_operator_rollout_weight{rollout="web",backend="web-canary",side="canary"} 30"#))
        #expect(text.contains(#"mesh_operator_rollout_weight{rollout="web",backend="web-primary",side="stable"} 70"#))
        #expect(text.contains(#"mesh_operator_rollout_phase{rollout="web",phase="Paused"} 1"#))
        #expect(text.contains(#"mesh_operator_rollout_phase{rollout="web",phase="Progressing"} 0"#))
        #expect(Self.value(#"mesh_operator_reconcile_passes_total"#, in: text) ?? 0 > 0)
        #expect(Self.value(#"mesh_operator_reconcile_duration_seconds_count"#, in: text)
                == Self.value(#"mesh_operator_reconcile_passes_total"#, in: text))
        // web-primary's and web-canary's sidecars (web is only a split root), and the gateway.
        #expect(Self.value(#"mesh_operator_processes{role="sidecar",state="ready"}"#, in: text) == 2)
        #expect(Self.value(#"mesh_operator_processes{role="gateway",state="ready"}"#, in: text) == 1)
        #expect(Self.value(#"mesh_operator_config_pushes_total"#, in: text) ?? 0 > 0)
        // A read-only listener: the API's writes are not reachable on TCP.
        #expect(LoopbackGet.get(port: port, path: "/v1/status")?.status == 404)

        // Prometheus file_sd targets: the operator and every proxy's admin port.
        let sd = try harness.meshctl(["dashboard", "--scrape-config"])
        #expect(sd.status == 0, "\(sd.stderr)")
        #expect(sd.stdout.contains("\"127.0.0.1:\(port)\"") && sd.stdout.contains("\"meshctl-proxy\"")
                && sd.stdout.contains("\"web-canary\""), "\(sd.stdout)")
    }

    @Test func dashboardWithoutOperatorSaysHowToStartOne() throws {
        let empty = FileManager.default.temporaryDirectory
            .appendingPathComponent("mesh-none-\(UUID().uuidString.prefix(8))").path
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let result = try MeshctlRunner.run(["dashboard", "--state-dir", empty])
        #expect(result.status != 0)
        #expect(result.stderr.contains("meshctl up"), "\(result.stderr)")
    }

    /// The number on the line that starts with `series` exactly (name and labels).
    static func value(_ series: String, in text: String) -> Double? {
        text.split(separator: "\n").first { $0.hasPrefix(series + " ") }
            .flatMap { Double($0.split(separator: " ").last ?? "") }
    }
}

/// Steady requests to one gateway port from a thread of its own, until stopped (bounded: 20 000 requests, 3 min).
private final class LoadLoop: @unchecked Sendable {
    private let port: Int
    private let lock = NSLock()
    private var stopped = false
    private var count = 0
    private let done = DispatchSemaphore(value: 0)

    init(port: Int) { self.port = port }

    var sent: Int { lock.withLock { count } }

    func start() {
        Thread {
            let deadline = Date().addingTimeInterval(180)
            for _ in 0..<20_000 {
                if self.lock.withLock({ self.stopped }) || Date() > deadline { break }
                _ = LoopbackGet.get(port: self.port)
                self.lock.withLock { self.count += 1 }
                Thread.sleep(forTimeInterval: 0.01)
            }
            self.done.signal()
        }.start()
    }

    func stop() {
        let first = lock.withLock {
            defer { stopped = true }
            return !stopped
        }
        if first { _ = done.wait(timeout: .now() + 10) }
    }
}
