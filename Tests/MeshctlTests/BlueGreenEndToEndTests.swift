import DemoApp
import Foundation
import OperatorAPI
import OperatorCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Blue-green rollouts as a user drives them: real operator, demo app workloads, requests through the gateway.
@Suite("blue-green end to end", .serialized)
struct BlueGreenEndToEndTests {
    struct Ports {
        var root = OperatorHarness.freePort()
        var blue = OperatorHarness.freePort()
        var green = OperatorHarness.freePort()
    }

    static func mesh(_ ports: Ports, greenVersion: String, rollout: String) -> String {
        """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: shop}
        spec: {port: \(ports.root)}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: shop-blue}
        spec:
          port: \(ports.blue)
          command: [meshctl, demo-app, --version, v1]
          replicas: 2
          healthCheck: {path: /healthz, interval: 1s}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: shop-green}
        spec:
          port: \(ports.green)
          command: [meshctl, demo-app, --version, \(greenVersion)]
          healthCheck: {path: /healthz, interval: 1s}
        ---
        apiVersion: split.smi-spec.io/v1alpha4
        kind: TrafficSplit
        metadata: {name: shop}
        spec:
          service: shop
          backends:
          - {service: shop-blue, weight: 100}
          - {service: shop-green, weight: 0}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Rollout
        metadata: {name: shop}
        spec:
          trafficSplit: shop
          progressDeadline: 60s
        \(rollout)

        """
    }

    /// A blue-green spec with a 1 s pre-promotion analysis and whatever else the test adds (indented under
    /// `prePromotionAnalysis`).
    static func blueGreen(_ extra: String = "", autoPromotion: Bool = false) -> String {
        """
          blueGreen:
            activeService: shop-blue
            previewService: shop-green
            scaleDownDelay: 5m
        \(autoPromotion ? "    autoPromotionSeconds: 0\n" : "")    prePromotionAnalysis:
              interval: 1s
              threshold: 2
              minRequests: 3
              metrics:
              - name: request-success-rate
                thresholdRange: {min: 99}
        \(extra)
        """
    }

    static let preview = ["x-mesh-preview: 1"]

    /// Applies the mesh with green on v1 (nothing to roll out) and waits until every Service is Ready.
    static func start(_ harness: OperatorHarness, _ ports: Ports, rollout: String) throws {
        try harness.start()
        try harness.write("mesh.yaml", mesh(ports, greenVersion: "v1", rollout: rollout))
        let apply = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(apply.status == 0, "\(apply.stderr)")
        let ready = try harness.eventually(60) {
            try allReady(harness) && (0..<6).allSatisfy { _ in HeaderGet.get(port: harness.gatewayPort, host: "shop")?.status == 200 }
        }
        #expect(ready)
    }

    /// Ready=True on every Service, as scripts check it with `get -o json`.
    static func allReady(_ harness: OperatorHarness) throws -> Bool {
        let output = try harness.meshctl(["get", "services", "-o", "json"]).stdout
        guard let list = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
              let items = list["items"] as? [[String: Any]], items.count == 3 else { return false }
        return items.allSatisfy { item in
            let conditions = ((item["status"] as? [String: Any])?["conditions"] as? [[String: Any]]) ?? []
            return conditions.contains { $0["type"] as? String == "Ready" && $0["status"] as? String == "True" }
        }
    }

    static func view(_ harness: OperatorHarness) async -> RolloutView? {
        await APIClient(socketPath: harness.stateDirectory + "/operator.sock").rolloutView(named: "shop")
    }

    /// Polls the rollout (and sends a few preview requests each time, so the preview analysis has traffic) until
    /// `condition` holds, for at most `seconds`.
    static func waitFor(_ harness: OperatorHarness, seconds: Double = 40, previewTraffic: Bool = true,
                        previewPort: Int? = nil, _ condition: (RolloutView) -> Bool) async -> RolloutView? {
        let deadline = Date().addingTimeInterval(seconds)
        var last: RolloutView?
        while Date() < deadline {
            if previewTraffic {
                for _ in 0..<4 {
                    _ = HeaderGet.get(port: previewPort ?? harness.gatewayPort, host: "shop",
                                      headers: previewPort == nil ? preview : [])
                }
            }
            last = await view(harness)
            if let last, condition(last) { return last }
            try? await Task.sleep(for: .milliseconds(150))
        }
        Issue.record("rollout did not get there in \(seconds)s; last: \(String(describing: last))")
        return nil
    }

    /// The versions that answered `count` requests, by version (failed connections as "failed", non-200 as "status N").
    static func answers(_ port: Int, count: Int = 12, headers: [String] = []) -> [String: Int] {
        var seen: [String: Int] = [:]
        for _ in 0..<count {
            let answer = HeaderGet.get(port: port, host: "shop", headers: headers)
            let key = answer.map { $0.status == 200 ? $0.version : "status \($0.status)" } ?? "failed"
            seen[key, default: 0] += 1
        }
        return seen
    }

    @Test func previewThenPromoteThenUndoSwitchesInstantlyWithoutRestartsOrFailures() async throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        let ports = Ports()
        try Self.start(harness, ports, rollout: Self.blueGreen())
        let gateway = harness.gatewayPort

        let load = LoadGenerator()
        let loadTask = Task { await load.run(port: gateway, host: "shop", connections: 4) }
        defer { load.stop() }  // also when a step throws; the normal path stops, awaits and shuts it down below

        // v2 applied to green: only the preview reaches it.
        try harness.write("mesh.yaml", Self.mesh(ports, greenVersion: "v2", rollout: Self.blueGreen()))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        let waiting = await Self.waitFor(harness) { $0.phase == "WaitingPromotion" }
        #expect(waiting?.history.contains { $0.contains("pre-promotion analysis passed") } == true)
        #expect(Self.answers(gateway) == ["v1": 12])
        #expect(Self.answers(gateway, headers: Self.preview) == ["v2": 12])
        #expect(Self.answers(gateway, headers: ["x-mesh-preview: 0"]) == ["v1": 12])
        // The Service's own port on the gateway is an outbound listener: the preview works there too.
        #expect(Self.answers(ports.root) == ["v1": 12])
        #expect(Self.answers(ports.root, headers: Self.preview) == ["v2": 12])

        // Promote: one confirmed config switches everything; the old version keeps running (scaleDownDelay).
        let pids = try harness.processes()
        #expect(try harness.meshctl(["rollout", "promote", "shop"]).status == 0)
        let promoted = await Self.waitFor(harness, previewTraffic: false) {
            $0.phase == "Promoting" && $0.canaryWeight == 100 && $0.confirmed
        }
        #expect(promoted?.history.contains { $0.contains("switched: all traffic on") } == true)
        #expect(Self.answers(gateway) == ["v2": 12])
        #expect(Self.answers(ports.root) == ["v2": 12])

        // Undo while the old version is kept: back to v1 at once, nothing restarted.
        #expect(try harness.meshctl(["rollout", "undo", "shop"]).status == 0)
        let undone = await Self.waitFor(harness, seconds: 10, previewTraffic: false) { $0.phase == "Aborted" }
        #expect(undone?.stableWeight == 100)
        #expect(Self.answers(gateway) == ["v1": 12])
        #expect(Self.answers(gateway, headers: Self.preview) == ["v1": 12])
        #expect(try harness.processes() == pids)

        load.stop()
        await loadTask.value
        await load.shutdown()
        let counts = load.snapshot
        #expect(counts.lost == 0, "\(counts.lostReasons)")
        #expect(counts.count("v1", "5xx") == 0 && counts.count("v2", "5xx") == 0)
        #expect(counts.count("v1") > 100 && counts.count("v2") > 0, "\(counts.byVersion)")
        #expect(Set(counts.byVersion.keys) == ["v1", "v2"])
    }

    /// After promotion, blue (the active Service) runs the new version, and green, the preview, which would run a
    /// second full-size copy of it with no traffic, is scaled to zero: no process left, its own port has no endpoint.
    @Test func afterPromotionThePreviewIsScaledDownAndActiveRunsTheNewVersion() async throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        let ports = Ports()
        let spec = Self.blueGreen().replacingOccurrences(of: "scaleDownDelay: 5m", with: "scaleDownDelay: 1s")
        try Self.start(harness, ports, rollout: spec)
        #expect(try harness.processes().keys.contains { $0.contains("shop-green") }, "green runs before the rollout")

        try harness.write("mesh.yaml", Self.mesh(ports, greenVersion: "v2", rollout: spec))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        #expect(await Self.waitFor(harness) { $0.phase == "WaitingPromotion" } != nil)
        #expect(try harness.meshctl(["rollout", "promote", "shop"]).status == 0)
        #expect(await Self.waitFor(harness, seconds: 90, previewTraffic: false) { $0.phase == "Succeeded" } != nil)
        var running: [String: Int32] = [:]
        let scaledDown = try harness.eventually(30) {
            running = try harness.processes()
            return !running.keys.contains { $0.contains("shop-green") }
                && HeaderGet.get(port: ports.green, host: "shop-green")?.status == 503
        }
        #expect(scaledDown, "\(running)")
        // Blue's two replicas (each with its sidecar) run on.
        #expect(Set(running.keys.filter { $0.contains("shop-blue") }.compactMap { $0.split(separator: "/").last }) == ["0", "1"],
                "\(running)")
        #expect(Self.answers(harness.gatewayPort) == ["v2": 12])
    }

    @Test func aPreviewPortReachesTheNewVersionWhileTheGatewayKeepsTheActiveOne() async throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        let ports = Ports()
        let previewPort = OperatorHarness.freePort()
        let spec = Self.blueGreen().replacingOccurrences(
            of: "    scaleDownDelay: 5m\n", with: "    scaleDownDelay: 5m\n    preview: {port: \(previewPort)}\n")
        #expect(spec.contains("preview: {port:"))
        try Self.start(harness, ports, rollout: spec)
        let gatewayPID = try harness.processes()["gateway/gateway/0"]

        try harness.write("mesh.yaml", Self.mesh(ports, greenVersion: "v2", rollout: spec))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        let waiting = await Self.waitFor(harness, previewPort: previewPort) { $0.phase == "WaitingPromotion" }
        #expect(waiting != nil)
        #expect(Self.answers(previewPort) == ["v2": 12])
        #expect(Self.answers(harness.gatewayPort) == ["v1": 12])
        // A port preview has no header route.
        #expect(Self.answers(harness.gatewayPort, headers: Self.preview) == ["v1": 12])
        // The port came with the Rollout's first apply: the rollout itself never restarts the gateway.
        #expect(try harness.processes()["gateway/gateway/0"] == gatewayPID)
    }
}
