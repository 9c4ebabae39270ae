import Foundation
import Testing

/// `meshctl stat` against a known load: a real operator, demo workloads that fail an exact share of requests after
/// a fixed delay, and requests counted by the test.
@Suite("stat end to end", .serialized)
struct StatEndToEndTests {
    /// `web` fails exactly every fifth request after 20 ms; `api` does too, but its RetryPolicy retries 5xx.
    private func mesh(webPort: Int, apiPort: Int) -> String {
        """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web}
        spec:
          port: \(webPort)
          command: [meshctl, demo-app, --error-rate, "0.2", --latency, 20ms]
          healthCheck: {path: /healthz, interval: 1s}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: api}
        spec:
          port: \(apiPort)
          command: [meshctl, demo-app, --error-rate, "0.2", --latency, 20ms]
          healthCheck: {path: /healthz, interval: 1s}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: RetryPolicy
        metadata: {name: api}
        spec:
          service: api
          attempts: 3
          retryOn: [5xx]

        """
    }

    private struct Report: Decodable {
        struct Row: Decodable {
            struct Metrics: Decodable {
                var requests: Double
                var requestsPerSecond: Double
                var effectiveSuccess: Double?
                var actualSuccess: Double?
                var p50Ms: Double?
                var p99Ms: Double?
                var retriesPerSecond: Double
            }
            var name: String
            var metrics: Metrics
        }
        var windowSeconds: Double
        var rows: [Row]
    }

    @Test func statShowsTheKnownFailureShareAndLatency() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let (webPort, apiPort) = (OperatorHarness.freePort(), OperatorHarness.freePort())
        try harness.write("mesh.yaml", mesh(webPort: webPort, apiPort: apiPort))
        let apply = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(apply.status == 0, "\(apply.stderr)")
        // Routable: the gateway forwards to a ready replica (a 200 or the injected 500, not the proxy's 503).
        for port in [webPort, apiPort] {
            #expect(harness.eventually(40) { [200, 500].contains(LoopbackGet.get(port: port)?.status ?? 0) })
        }

        // stat's first scrape happens at once; the load runs well inside its window.
        let result = StatRun()
        result.start(["stat", "--window", "10s", "-o", "json"], harness)
        Thread.sleep(forTimeInterval: 2)
        let count = 100
        var statuses: [String: [Int: Int]] = [:]
        for _ in 0..<count {
            for (name, port) in [("web", webPort), ("api", apiPort)] {
                statuses[name, default: [:]][LoopbackGet.get(port: port)?.status ?? 0, default: 0] += 1
            }
        }
        let deadline = Date().addingTimeInterval(40)
        while result.value == nil && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        // What the test itself saw: the demo's exact share for web; retries hide api's failures.
        #expect(statuses["web"] == [200: 80, 500: 20], "\(statuses)")
        #expect((statuses["api"]?[200] ?? 0) >= 95, "\(statuses)")

        let run = try #require(result.value)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try JSONDecoder().decode(Report.self, from: Data(run.stdout.utf8))
        #expect(abs(report.windowSeconds - 10) < 1)
        let web = try #require(report.rows.first { $0.name == "web" }?.metrics)
        let api = try #require(report.rows.first { $0.name == "api" }?.metrics)
        // Every request of the window, none of the warm-up: exact counts, so exact rates.
        #expect(web.requests == Double(count))
        #expect(abs(try #require(web.effectiveSuccess) - 0.8) < 0.005)
        #expect(abs(try #require(web.actualSuccess) - 0.8) < 0.005)
        #expect(abs(web.requestsPerSecond - Double(count) / report.windowSeconds) < 1)
        // 20 ms of workload delay. The histogram's resolution is its bucket, (10 ms, 25 ms] here, and interpolation
        // inside it puts p50 near 17.5 ms when the bucket holds (almost) everything: the tolerance is that bucket.
        let p50 = try #require(web.p50Ms)
        #expect(p50 > 10 && p50 <= 25, "p50 \(p50) ms")
        #expect(try #require(web.p99Ms) >= p50)
        #expect(web.retriesPerSecond == 0)
        // api: clients see only successes. The demo fails every fifth request it serves, retries included, so
        // 100 requests take 125 tries, 25 of them failed and retried: actual success stays 80%.
        #expect(api.requests == Double(count))
        #expect(try #require(api.effectiveSuccess) >= 0.99)
        let actual = try #require(api.actualSuccess)
        #expect(abs(actual - 0.8) < 0.01, "actual \(actual)")
        #expect(abs(api.retriesPerSecond * report.windowSeconds - 25) < 1.5, "retries/s \(api.retriesPerSecond)")

        // The table names both services; a filter keeps one; an unknown object is an error.
        let table = try harness.meshctl(["stat", "--window", "200ms"])
        #expect(table.status == 0 && table.stdout.contains("EFFECTIVE") && table.stdout.contains("svc/api"))
        let one = try harness.meshctl(["stat", "service/web", "--window", "200ms"])
        #expect(one.stdout.contains("svc/web") && !one.stdout.contains("svc/api"), "\(one.stdout)")
        #expect(try harness.meshctl(["stat", "service/nope", "--window", "200ms"]).status == 1)

        // top, piped: plain lines, bounded by --iterations, busiest first.
        let topRun = StatRun()
        topRun.start(["top", "--interval", "1s", "--iterations", "2"], harness)
        let topDeadline = Date().addingTimeInterval(30)
        while topRun.value == nil && Date() < topDeadline {
            _ = LoopbackGet.get(port: webPort)
        }
        let top = try #require(topRun.value)
        #expect(top.status == 0, "\(top.stderr)")
        #expect(!top.stdout.contains("\u{1B}["))
        let lines = top.stdout.split(separator: "\n")
        #expect(lines.count >= 2 && lines.allSatisfy { $0.contains("svc/web rps=") || $0.contains("no traffic") },
                "\(top.stdout)")
    }
}

/// A result handed from a helper thread to the test, read only after the thread wrote it (polled, bounded).
private final class StatRun: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: MeshctlRunner.Result?

    var value: MeshctlRunner.Result? { lock.withLock { stored } }

    /// Runs `meshctl ARGUMENTS --state-dir …` on a thread of its own; `value` is set when it ends.
    func start(_ arguments: [String], _ harness: OperatorHarness) {
        let (state, directory) = (harness.stateDirectory, harness.directory)
        Thread {
            let result = try? MeshctlRunner.run(arguments + ["--state-dir", state], in: directory, timeout: .seconds(60))
            self.lock.withLock { self.stored = result }
        }.start()
    }
}
