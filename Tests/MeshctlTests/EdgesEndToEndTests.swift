import Foundation
import MeshTelemetry
import Testing

/// `meshctl edges` and the caller's identity in a sidecar's `/metrics`: requests through the gateway reach web's
/// sidecar over mTLS as `gateway`; a local client straight to the (permissive) inbound port is `unauthenticated`.
@Suite("edges", .serialized)
struct EdgesEndToEndTests {
    @Test func edgesFromTheCalleesCounters() {
        let metrics = """
            mesh_inbound_requests_total{service="local:web",peer="spiffe://meshctl.local/ns/default/sa/api",tls="true",code="2xx"} 90
            mesh_inbound_requests_total{service="local:web",peer="spiffe://meshctl.local/ns/default/sa/api",tls="true",code="5xx"} 10
            mesh_inbound_requests_total{service="local:web",peer="unauthenticated",tls="false",code="2xx"} 4
            mesh_requests_total{service="web",backend="127.0.0.1:1",code="2xx"} 7
            """
        var start = MeshEdges(time: 10)
        start.add(metrics: Array("mesh_inbound_requests_total{service=\"local:web\",peer=\"spiffe://meshctl.local/ns/default/sa/api\",tls=\"true\",code=\"2xx\"} 40\n".utf8))
        var end = MeshEdges(time: 12)
        end.add(metrics: Array(metrics.utf8))
        #expect(MeshEdges.rows(from: start, to: end) == [
            .init(from: "api", to: "web", mtls: true, requestsPerSecond: 30, success: 50.0 / 60.0),
            .init(from: "unauthenticated", to: "web", mtls: false, requestsPerSecond: 2, success: 1),
        ])
    }

    @Test func gatewayToWebIsAnMTLSEdgeAndALocalClientIsNot() async throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        let port = try MeshTLSEndToEndTests.startOneServiceMesh(harness)
        let inbound = try #require(try await IdentityRotationEndToEndTests.sidecarInboundPort(harness))
        let loop = RequestLoop(port: port, host: "web")
        loop.start()
        defer { loop.stop() }
        for _ in 0..<5 { _ = LoopbackGet.get(port: inbound) }  // plaintext, past the gateway
        let edges = try harness.meshctl(["edges", "--window", "2s"])
        #expect(edges.status == 0, "\(edges.stderr)")
        let rows = edges.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
        let gateway = rows.first { $0.first == "gateway" }
        #expect(gateway?[1] == "web" && gateway?.last == "yes", "\(edges.stdout)")
        #expect(gateway.map { Double($0[2]) ?? 0 } ?? 0 > 1, "\(edges.stdout)")
        #expect(gateway?[3] == "100.00%", "\(edges.stdout)")
        // The same as JSON, for scripts.
        let json = try harness.meshctl(["edges", "--window", "1s", "-o", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        struct Document: Decodable { var windowSeconds: Double; var edges: [MeshEdges.Row] }
        let document = try JSONDecoder().decode(Document.self, from: Data(json.stdout.utf8))
        let edge = document.edges.first { $0.from == "gateway" && $0.to == "web" }
        #expect(edge?.mtls == true && (edge?.requestsPerSecond ?? 0) > 1 && edge?.success == 1, "\(json.stdout)")
        #expect(document.windowSeconds >= 1)
        // The plaintext calls were before the window: counted in /metrics, with no rate now.
        let scrape = try MeshTLSEndToEndTests.shell("curl -s http://127.0.0.1:\(try await Self.sidecarAdminPort(harness))/metrics")
        #expect(scrape.contains(#"peer="spiffe://meshctl.local/ns/default/sa/gateway",tls="true",code="2xx"}"#), "\(scrape.prefix(3000))")
        #expect(scrape.contains(#"peer="unauthenticated",tls="false",code="2xx"} 5"#), "\(scrape.prefix(3000))")
    }

    static func sidecarAdminPort(_ harness: OperatorHarness) async throws -> Int {
        try await IdentityRotationEndToEndTests.sidecarPorts(harness)?["admin"] ?? 0
    }
}
