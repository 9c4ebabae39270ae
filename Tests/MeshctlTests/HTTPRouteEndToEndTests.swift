import Foundation
import Testing

/// Gateway API HTTPRoutes through a real operator: header rule and weights reach the demo versions; a TrafficSplit
/// for the same Service is refused with nothing applied; a second route on the same Service (Gateway API merging),
/// added while a client loop runs, takes only its own matches, and removing it gives them back.
@Suite("HTTPRoute end to end", .serialized)
struct HTTPRouteEndToEndTests {
    /// web on `port` with nothing of its own, web-v1 and web-v2 running the demo app at those versions.
    static func services(port: Int, v1Port: Int, v2Port: Int) -> String {
        """
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

        """
    }

    @Test func aHeaderRuleAndWeightsRouteToTheDemoVersions() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let (port, v1Port, v2Port) = (OperatorHarness.freePort(), OperatorHarness.freePort(), OperatorHarness.freePort())
        try harness.write("mesh.yaml", Self.services(port: port, v1Port: v1Port, v2Port: v2Port) + """
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

    @Test func aRouteAddedAndRemovedUnderLoadChangesOnlyItsOwnMatches() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let (port, v1Port, v2Port) = (OperatorHarness.freePort(), OperatorHarness.freePort(), OperatorHarness.freePort())
        try harness.write("mesh.yaml", Self.services(port: port, v1Port: v1Port, v2Port: v2Port) + """
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: shop}
            spec:
              parentRefs: [{name: web}]
              rules:
              - backendRefs: [{name: web-v1, port: 80}]

            """)
        let apply = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(apply.status == 0, "\(apply.stderr)")
        #expect(harness.eventually(60) {
            HeaderGet.get(port: port, host: "web")?.status == 200 && HeaderGet.get(port: v2Port, host: "web-v2")?.status == 200
        })
        #expect(HeaderGet.get(port: port, host: "web", path: "/admin")?.version == "v1", "the shop's rule takes /admin at first")

        let users = RequestLoop(port: port, host: "web")
        users.start()
        defer { users.stop() }
        var shop: [String] = []
        /// Polls (bounded) until `/admin/x` answers `version`, asking for `/` and `/adminx` (the shop's) each time.
        func untilAdmin(is version: String) -> Bool {
            harness.eventually(60) {
                for path in ["/", "/adminx"] { shop.append(HeaderGet.get(port: port, host: "web", path: path)?.version ?? "none") }
                return HeaderGet.get(port: port, host: "web", path: "/admin/x")?.version == version
            }
        }

        try harness.write("admin.yaml", """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: admin}
            spec:
              parentRefs: [{name: web}]
              rules:
              - matches: [{path: {type: PathPrefix, value: /admin}}]
                backendRefs: [{name: web-v2, port: 80}]

            """)
        let added = try harness.meshctl(["apply", "-f", harness.manifests + "/admin.yaml"])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(untilAdmin(is: "v2"), "the second route never took /admin")
        let merged = (0..<10).compactMap { _ in HeaderGet.get(port: port, host: "web", path: "/admin")?.version }
        #expect(merged == Array(repeating: "v2", count: 10))

        #expect(try harness.meshctl(["delete", "httproute", "admin"]).status == 0)
        #expect(untilAdmin(is: "v1"), "/admin never went back to the shop's rule")
        // On a loaded machine both changes can confirm within a few dozen of the loop's requests: let it reach its
        // count (bounded) rather than assert on how fast the machine was.
        _ = harness.eventually(20) { users.counts.ok > 20 }
        users.stop()
        #expect(!shop.isEmpty && shop.allSatisfy { $0 == "v1" }, "the shop's requests changed: \(shop)")
        #expect(users.counts.failed == 0, "\(users.counts.failures)")
        #expect(users.counts.ok > 20, "the loop ran: \(users.counts.ok)")
    }
}
