import Foundation
import OperatorAPI
import Testing

/// A change of TrafficSplit weights alone (`meshctl apply -f split.yaml`, a canary step) is carried before the rest of
/// its pass (ReconcileLoop+Weights.swift), with a real operator and proxies: it reaches the proxies that carry the
/// split — the gateway, and the sidecar of the Service that declares the split's root upstream — and no other (the
/// backends' sidecars declare something else: their configuration versions stay), traffic follows the new weights,
/// the split's status says every proxy confirmed, and the operator's `mesh_operator_weight_changes_carried_total`
/// counts it. A write that changes anything besides weights is not carried so, and still reaches the proxies.
@Suite("weight change carried end to end", .serialized)
struct WeightChangeCarriedEndToEndTests {
    private struct Ports {
        var v1 = OperatorHarness.freePort(), v2 = OperatorHarness.freePort()
        var caller = OperatorHarness.freePort(), root = OperatorHarness.freePort()
    }

    private func mesh(_ ports: Ports, callerBalancer: String) -> String {
        """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web-v1}
        spec:
          port: \(ports.v1)
          command: [meshctl, demo-app, --version, v1]
          upstreams: [caller]
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web-v2}
        spec:
          port: \(ports.v2)
          command: [meshctl, demo-app, --version, v2]
          upstreams: [caller]
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: caller}
        spec:
          port: \(ports.caller)
          command: [meshctl, demo-app, --version, caller]
          upstreams: [web]
          loadBalancer: \(callerBalancer)
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web}
        spec: {port: \(ports.root)}

        """
    }

    private func split(v2 weight: Int, v1Only: Bool = false) -> String {
        """
        apiVersion: split.smi-spec.io/v1alpha4
        kind: TrafficSplit
        metadata: {name: web}
        spec:
          service: web
          backends:
          - {service: web-v1, weight: \(100 - weight)}
        \(v1Only ? "" : "  - {service: web-v2, weight: \(weight)}")

        """
    }

    private func versions(_ harness: OperatorHarness) async throws -> [String: String] {
        try await UpstreamsEndToEndTests.versions(harness)
    }

    /// Whether the split `web`'s status says every proxy runs its current generation.
    private func splitConfirmed(_ harness: OperatorHarness) async -> Bool {
        await ChangeOvertakesProbesEndToEndTests.splitConfirmed(APIClient(socketPath: harness.stateDirectory + "/operator.sock"))
    }

    /// The operator's `mesh_operator_weight_changes_carried_total`, from its `/metrics`.
    private func carried(_ harness: OperatorHarness, port: Int) -> Double? {
        LoopbackGet.get(port: port, path: "/metrics").flatMap {
            DashboardBrowserTests.value("mesh_operator_weight_changes_carried_total", in: $0.body)
        }
    }

    @Test func aWeightChangeReachesTheCarriersOnlyAndAnyOtherWriteTakesThePass() async throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let ports = Ports()
        try harness.write("mesh.yaml", mesh(ports, callerBalancer: "round-robin") + "---\n" + split(v2: 0))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        #expect(harness.eventually(60) { LoopbackGet.get(port: ports.root)?.body.contains("v1") == true }, "web serves")
        let address = try harness.meshctl(["dashboard"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let metricsPort = try #require(address.split(separator: ":").last.flatMap { Int($0.trimmingCharacters(in: ["/"])) },
                                       "\(address)")
        var before: [String: String] = [:]
        #expect(try await harness.eventuallyAwaiting(30) {
            before = try await versions(harness)
            let confirmed = await splitConfirmed(harness)
            return before.count == 4 && confirmed
        }, "\(before)")
        let carriedBefore = try #require(carried(harness, port: metricsPort))

        // The canary step as a user applies it: the split's file alone, all traffic to v2.
        let step = harness.directory + "/split.yaml"
        try split(v2: 100).write(toFile: step, atomically: true, encoding: .utf8)
        let apply = try harness.meshctl(["apply", "-f", step])
        #expect(apply.status == 0, "\(apply.stderr)")
        var after: [String: String] = [:]
        #expect(try await harness.eventuallyAwaiting(30) {
            after = try await versions(harness)
            let confirmed = await splitConfirmed(harness)
            return after["gateway/gateway/0"] != before["gateway/gateway/0"] && confirmed
        }, "\(before) -> \(after)")
        #expect(after["caller/sidecar/0"] != before["caller/sidecar/0"], "the caller carries web's split")
        #expect(after["web-v1/sidecar/0"] == before["web-v1/sidecar/0"], "web-v1's sidecar does not carry it")
        #expect(after["web-v2/sidecar/0"] == before["web-v2/sidecar/0"], "web-v2's sidecar does not carry it")
        #expect(carried(harness, port: metricsPort) == carriedBefore + 1)
        for _ in 0..<10 {
            let body = LoopbackGet.get(port: ports.root)?.body ?? ""
            #expect(body.contains("v2"), "\(body)")
        }

        // A weight with something else in the same write: the whole pass, as before — and it still gets there.
        try harness.write("mesh.yaml", mesh(ports, callerBalancer: "least-request") + "---\n" + split(v2: 0))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        var mixed: [String: String] = [:]
        #expect(try await harness.eventuallyAwaiting(30) {
            mixed = try await versions(harness)
            let confirmed = await splitConfirmed(harness)
            return mixed["gateway/gateway/0"] != after["gateway/gateway/0"] && confirmed
        }, "\(after) -> \(mixed)")
        #expect(LoopbackGet.get(port: ports.root)?.body.contains("v1") == true)
        // A split whose backends change is no change of weights alone either.
        try split(v2: 0, v1Only: true).write(toFile: step, atomically: true, encoding: .utf8)
        #expect(try harness.meshctl(["apply", "-f", step]).status == 0)
        var moved: [String: String] = [:]
        #expect(try await harness.eventuallyAwaiting(30) {
            moved = try await versions(harness)
            let confirmed = await splitConfirmed(harness)
            return moved["gateway/gateway/0"] != mixed["gateway/gateway/0"] && confirmed
        }, "\(mixed) -> \(moved)")
        #expect(carried(harness, port: metricsPort) == carriedBefore + 1, "only the weights-only write was carried")
    }
}
