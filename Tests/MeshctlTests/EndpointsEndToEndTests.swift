import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `meshctl get endpoints` reads the proxies: replicas, a static endpoint that its health check finds dead, and a
/// registered instance (over the API socket), each with its source, and health as every proxy sees it.
@Suite("endpoints from the proxies end to end", .serialized)
struct EndpointsEndToEndTests {
    @Test func getEndpointsShowsWhatTheProxiesHoldWithSourceAndHealth() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let registeredPort = OperatorHarness.freePort()
        try harness.write("m.yaml", """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: web}
            spec:
              port: \(OperatorHarness.freePort())
              command: [meshctl, demo-app]
              replicas: 2
              registration: {allowed: true}
            ---
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: db}
            spec:
              port: \(OperatorHarness.freePort())
              endpoints: ["127.0.0.1:9"]
              healthCheck: {path: /healthz, interval: 200ms, timeout: 100ms, unhealthyThreshold: 1}

            """)
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        let registration = #"{"service":"web","address":"127.0.0.1:\#(registeredPort)","ttl":"60s"}"#
        let registered = try MeshctlRunner.runProgram("/usr/bin/curl", [
            "-s", "-m", "5", "-w", " %{http_code}", "--unix-socket", harness.stateDirectory + "/operator.sock",
            "-X", "POST", "-d", registration, "http://operator/v1/registrations",
        ], timeout: .seconds(10))
        #expect(registered.stdout.hasSuffix(" 200"), "\(registered.stdout)")
        var table = ""
        // Three proxies (the gateway and two sidecars) hold web's two replicas and db's dead static endpoint.
        let settled = try harness.eventually(60) {
            table = try harness.meshctl(["get", "endpoints"]).stdout
            let lines = table.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
            let replicas = lines.filter { $0.first == "web" && $0.count > 3 && $0[2] == "replica" && $0[4] == "3/3" }
            let db = lines.first { $0.first == "db" }
            let outside = lines.first { $0.count > 2 && $0[1] == "127.0.0.1:\(registeredPort)" }
            return replicas.count == 2 && db.map { $0[1] == "127.0.0.1:9" && $0[2] == "static" && $0[3] == "0/3" } == true
                && outside.map { $0[0] == "web" && $0[2] == "registered" } == true
        }
        #expect(settled, "\(table)")
        #expect(table.contains("SERVICE") && table.contains("IN-FLIGHT"), "\(table)")
        #expect(table.contains("replica web/0") && table.contains("replica web/1"), "\(table)")
        let json = try harness.meshctl(["get", "endpoints", "db", "-o", "json"]).stdout
        #expect(json.contains(#""source":"static""#) && !json.contains("\"web\""), "\(json)")
    }
}
