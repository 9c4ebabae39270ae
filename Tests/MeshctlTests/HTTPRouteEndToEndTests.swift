import Foundation
import Testing

/// A Gateway API HTTPRoute through a real operator: header rule and weights reach the demo versions; a TrafficSplit
/// for the same Service is refused with nothing applied.
@Suite("HTTPRoute end to end", .serialized)
struct HTTPRouteEndToEndTests {
    @Test func aHeaderRuleAndWeightsRouteToTheDemoVersions() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let (port, v1Port, v2Port) = (OperatorHarness.freePort(), OperatorHarness.freePort(), OperatorHarness.freePort())
        try harness.write("mesh.yaml", """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: web}
            spec: {port: \(port)}
            ---
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: web-v1}
            spec: {port: \(v1Port), command: [meshctl, demo-app, --version, v1]}
            ---
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: web-v2}
            spec: {port: \(v2Port), command: [meshctl, demo-app, --version, v2]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: web}
            spec:
              parentRefs: [{group: "", kind: Service, name: web, port: 80}]
              rules:
              - matches: [{headers: [{name: x-canary, value: "yes"}]}]
                backendRefs: [{name: web-v2, port: 80}]
              - backendRefs: [{name: web-v1, port: 80, weight: 3}, {name: web-v2, port: 80, weight: 1}]

            """)
        let apply = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(harness.eventually(60) {
            HeaderGet.get(port: port, host: "web", headers: ["x-canary: yes"])?.version == "v2"
                && HeaderGet.get(port: port, host: "web")?.status == 200
        })
        let canary = (0..<5).compactMap { _ in HeaderGet.get(port: port, host: "web", headers: ["x-canary: yes"])?.version }
        #expect(canary == Array(repeating: "v2", count: 5))
        let split = (0..<40).compactMap { _ in HeaderGet.get(port: port, host: "web")?.version }
        #expect(split.count == 40)
        #expect(split.filter { $0 == "v1" }.count == 30, "\(split)")

        try harness.write("split.yaml", """
            apiVersion: split.smi-spec.io/v1alpha4
            kind: TrafficSplit
            metadata: {name: web}
            spec:
              service: web
              backends: [{service: web-v1, weight: 1}]

            """)
        let refused = try harness.meshctl(["apply", "-f", harness.manifests + "/split.yaml"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("already routed by"), "\(refused.stderr)")
        #expect(try harness.meshctl(["get", "splits"]).stderr.contains("no splits"))
    }
}
