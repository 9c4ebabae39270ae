import Foundation
import Testing

/// The operator as a user drives it: real `meshctl` processes, real workloads and sidecars, real sockets.
@Suite("operator end to end", .serialized)
struct OperatorEndToEndTests {
    private func mesh(port: Int, v1Port: Int, v2Port: Int, weights: (Int, Int), v2Version: String = "v2") -> String {
        """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web}
        spec: {port: \(port)}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web-v1}
        spec:
          port: \(v1Port)
          command: [meshctl, demo-app, --version, v1]
          replicas: 2
          healthCheck: {path: /healthz, interval: 1s}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web-v2}
        spec:
          port: \(v2Port)
          command: [meshctl, demo-app, --version, \(v2Version)]
          healthCheck: {path: /healthz, interval: 1s}
        ---
        apiVersion: split.smi-spec.io/v1alpha4
        kind: TrafficSplit
        metadata: {name: web}
        spec:
          service: web
          backends:
          - {service: web-v1, weight: \(weights.0)}
          - {service: web-v2, weight: \(weights.1)}

        """
    }

    /// Ready=True on every listed object, as scripts check it with `get -o json`.
    private func allReady(_ harness: OperatorHarness) throws -> Bool {
        let output = try harness.meshctl(["get", "services", "-o", "json"]).stdout
        guard let list = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
              let items = list["items"] as? [[String: Any]], !items.isEmpty else { return false }
        return items.allSatisfy { item in
            let conditions = ((item["status"] as? [String: Any])?["conditions"] as? [[String: Any]]) ?? []
            return conditions.contains { $0["type"] as? String == "Ready" && $0["status"] as? String == "True" }
        }
    }

    /// An operator running the two-version mesh at 50/50, every Service Ready.
    private func startMesh(_ harness: OperatorHarness, weights: (Int, Int) = (50, 50)) throws -> (Int, Int, Int) {
        try harness.start()
        let ports = (OperatorHarness.freePort(), OperatorHarness.freePort(), OperatorHarness.freePort())
        try harness.write("mesh.yaml", mesh(port: ports.0, v1Port: ports.1, v2Port: ports.2, weights: weights))
        let apply = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(try harness.eventually { try allReady(harness) })
        return ports
    }

    private func versions(port: Int, count: Int) -> [String: Int] {
        var seen: [String: Int] = [:]
        for _ in 0..<count {
            let body = LoopbackGet.get(port: port)?.body ?? "failed"
            seen[body.trimmingCharacters(in: .whitespacesAndNewlines), default: 0] += 1
        }
        return seen
    }

    @Test func applyRunsTheMeshAndWeightChangesAreHot() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let ports = (OperatorHarness.freePort(), OperatorHarness.freePort(), OperatorHarness.freePort())
        try harness.write("mesh.yaml", mesh(port: ports.0, v1Port: ports.1, v2Port: ports.2, weights: (50, 50)))

        let apply = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(apply.stdout.contains("service/web-v1 created"))
        #expect(try harness.eventually { try allReady(harness) })
        #expect(try harness.eventually(10) { versions(port: ports.0, count: 1).keys.first?.hasPrefix("hello") == true })
        let split = versions(port: ports.0, count: 20)
        #expect(split["hello from v1"] == 10 && split["hello from v2"] == 10, "\(split)")

        // An unchanged directory: diff says so with exit 0; apply reports unchanged.
        #expect(try harness.meshctl(["diff", "-f", harness.manifests]).status == 0)

        // A weight change is a configuration push, not a restart.
        let before = try harness.processes()
        try harness.write("mesh.yaml", mesh(port: ports.0, v1Port: ports.1, v2Port: ports.2, weights: (0, 100)))
        let diff = try harness.meshctl(["diff", "-f", harness.manifests])
        #expect(diff.status == 1)
        #expect(diff.stdout.contains("trafficsplit/web would be configured"))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).stdout.contains("trafficsplit/web configured"))
        #expect(harness.eventually(15) { versions(port: ports.0, count: 10) == ["hello from v2": 10] })
        #expect(try harness.processes() == before)
        // ...sent as a patch of the splits to each proxy (gateway, web-v1's and web-v2's sidecars), not whole.
        let dashboard = try harness.meshctl(["dashboard"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let operatorPort = try #require(dashboard.split(separator: ":").last.flatMap { Int($0.trimmingCharacters(in: ["/"])) })
        let operatorMetrics = LoopbackGet.get(port: operatorPort, path: "/metrics")?.body ?? ""
        #expect((DashboardBrowserTests.value("mesh_operator_config_patches_total", in: operatorMetrics) ?? 0) >= 3,
                "\(operatorMetrics)")
        // ...and the operator timed it, from the stored change to the last proxy's answer (at least the weight change).
        #expect((DashboardBrowserTests.value("mesh_operator_config_propagation_seconds_count", in: operatorMetrics) ?? 0) >= 1,
                "\(operatorMetrics)")
        #expect(DashboardBrowserTests.value(#"mesh_operator_config_propagation_seconds_bucket{le="10"}"#, in: operatorMetrics)
                == DashboardBrowserTests.value("mesh_operator_config_propagation_seconds_count", in: operatorMetrics))

        // Objects read back Kubernetes-shaped.
        let json = try harness.meshctl(["get", "splits", "web", "-o", "json"]).stdout
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let status = try #require(object["status"] as? [String: Any])
        #expect((object["metadata"] as? [String: Any])?["generation"] as? Int == 2)
        #expect(status["observedGeneration"] as? Int == 2)
        let ready = (status["conditions"] as? [[String: Any]])?.first { $0["type"] as? String == "Ready" }
        #expect(ready?["reason"] as? String != nil && ready?["lastTransitionTime"] as? String != nil)
    }

    @Test func aNewCommandRollsReplicasWithoutFailingRequests() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let ports = (OperatorHarness.freePort(), OperatorHarness.freePort(), OperatorHarness.freePort())
        try harness.write("mesh.yaml", mesh(port: ports.0, v1Port: ports.1, v2Port: ports.2, weights: (0, 100)))
        _ = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(try harness.eventually { try allReady(harness) })
        #expect(harness.eventually(10) { versions(port: ports.0, count: 1) == ["hello from v2": 1] })
        let oldPID = try #require(try harness.processes()["web-v2/workload/0"])

        try harness.write("mesh.yaml", mesh(port: ports.0, v1Port: ports.1, v2Port: ports.2, weights: (0, 100),
                                            v2Version: "v3"))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).stdout.contains("service/web-v2 configured"))
        // Requests all along the replacement: every one answered 200, first by v2, then by v3.
        var statuses: [Int: Int] = [:]
        var bodies = Set<String>()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let answer = LoopbackGet.get(port: ports.0)
            statuses[answer?.status ?? 0, default: 0] += 1
            bodies.insert(answer?.body ?? "")
            if answer?.body == "hello from v3\n", try harness.processes()["web-v2/workload/0"] != oldPID,
               kill(oldPID, 0) != 0 { break }
        }
        #expect(statuses.keys.sorted() == [200], "\(statuses)")
        #expect(bodies.contains("hello from v3\n"))
        #expect(kill(oldPID, 0) != 0, "the old replica was stopped")
    }

    @Test func aCrashingWorkloadIsCrashLoopBackOffWithItsExitCodeAndLastOutput() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        try harness.write("broken.yaml", """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: broken}
            spec:
              port: \(OperatorHarness.freePort())
              command: [/bin/sh, -c, "echo 'fatal: no database' >&2; exit 3"]

            """)
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        var message = ""
        #expect(try harness.eventually {
            message = try harness.meshctl(["get", "services", "broken", "-o", "wide"]).stdout
            return message.contains("CrashLoopBackOff")
        })
        #expect(message.contains("exit code 3"))
        #expect(message.contains("fatal: no database"))
    }

    @Test func aBadApplyChangesNothingAndListsEveryError() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let ports = (OperatorHarness.freePort(), OperatorHarness.freePort(), OperatorHarness.freePort())
        try harness.write("mesh.yaml", mesh(port: ports.0, v1Port: ports.1, v2Port: ports.2, weights: (50, 50)))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        let before = try harness.meshctl(["get", "services", "-o", "yaml"]).stdout

        try harness.write("zbad.yaml", """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: Bad_Name}
            spec: {port: 0}

            """)
        let apply = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(apply.status == 1)
        #expect(apply.stderr.contains("zbad.yaml:3:18: error: metadata.name:"), "\(apply.stderr)")
        #expect(apply.stderr.contains("zbad.yaml:4:14: error: spec.port:"), "\(apply.stderr)")
        #expect(apply.stderr.contains("nothing applied"))
        let after = try harness.meshctl(["get", "services", "-o", "yaml"]).stdout
        #expect(after.components(separatedBy: "name: ").count == before.components(separatedBy: "name: ").count)
    }

    @Test func aRestartedOperatorAdoptsWhatStillRuns() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        let ports = try startMesh(harness)
        let before = try harness.processes()
        #expect(before.count == 7)
        #expect(harness.eventually(10) { LoopbackGet.get(port: ports.0)?.status == 200 })

        harness.crashOperator()
        let noOperator = try harness.meshctl(["status"])
        #expect(noOperator.status == 2)
        #expect(noOperator.stderr.contains("start one with `meshctl up`"))
        #expect(LoopbackGet.get(port: ports.0)?.status == 200, "traffic flows while no operator runs")

        try harness.start()
        #expect(try harness.eventually { try allReady(harness) })
        #expect(try harness.processes() == before)
    }

    @Test func downStopsEverythingItStarted() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        let ports = try startMesh(harness)
        let pids = try harness.processes()
        let down = try harness.meshctl(["down"])
        #expect(down.status == 0)
        #expect(down.stdout.contains("operator stopped"))
        for (slot, pid) in pids {
            // Stopped processes are children of nobody here; `kill(pid, 0)` on a zombie still succeeds, so read state.
            let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?
                .split(separator: ")").last?.split(separator: " ").first
            #expect(state == nil || state == "Z", "\(slot) (pid \(pid)) still runs")
        }
    }
}
