import Foundation
import Testing

/// Rate limits and a chaos session through a real operator, real proxies and a demo workload.
@Suite("traffic management end to end", .serialized)
struct TrafficManagementEndToEndTests {
    @Test func aRateLimitedServiceAndAFaultThatExpiresByItself() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let port = OperatorHarness.freePort()
        try harness.write("web.yaml", """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: web}
            spec:
              port: \(port)
              command: [meshctl, demo-app]
              healthCheck: {path: /healthz, interval: 1s}
              rateLimit: {requestsPerSecond: 1, burst: 2}

            """)
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        #expect(harness.eventually(40) { HeaderGet.get(port: port, host: "web")?.status == 200 })
        // The replica's sidecar keeps a bucket of 2 refilled at 1/s: a quick burst of 4 gets 429s.
        Thread.sleep(forTimeInterval: 2.1)
        let burst = (0..<4).map { _ in HeaderGet.get(port: port, host: "web")?.status ?? 0 }
        #expect(burst.filter { $0 == 200 }.count <= 3, "\(burst)")
        #expect(burst.contains(429), "\(burst)")

        // A chaos session: every request scoped by the header is aborted, for 4 seconds, then the fault is gone.
        Thread.sleep(forTimeInterval: 2.1)
        let inject = try harness.meshctl(["fault", "inject", "service/web", "--abort", "503", "--header", "x-chaos=1",
                                          "--for", "4s"])
        #expect(inject.status == 0, "\(inject.stderr)")
        #expect(inject.stdout.contains("faultinjection/web-fault created"))
        let list = try harness.meshctl(["fault", "list"])
        #expect(list.stdout.contains("web-fault") && list.stdout.contains("503 100"), "\(list.stdout)")
        #expect(harness.eventually(10) { HeaderGet.get(port: port, host: "web", headers: ["x-chaos: 1"])?.status == 503 })
        #expect(HeaderGet.get(port: port, host: "web")?.status == 200)
        // The operator deletes it at its expiry, and the proxies serve the header again.
        #expect(harness.eventually(15) {
            Thread.sleep(forTimeInterval: 1.1)  // stay under the rate limit while polling
            return HeaderGet.get(port: port, host: "web", headers: ["x-chaos: 1"])?.status == 200
        })
        #expect(try harness.meshctl(["fault", "list"]).stderr.contains("no faults"))

        // Bad input is refused with nothing applied; clear removes what inject made.
        let bad = try harness.meshctl(["fault", "inject", "service/nosuch", "--abort", "503"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("spec.service"), "\(bad.stderr)")
        #expect(try harness.meshctl(["fault", "inject", "service/web", "--delay", "50ms", "--percent", "50"]).status == 0)
        let clear = try harness.meshctl(["fault", "clear"])
        #expect(clear.stdout.contains("faultinjection/web-fault deleted"), "\(clear.stdout) \(clear.stderr)")
    }
}
