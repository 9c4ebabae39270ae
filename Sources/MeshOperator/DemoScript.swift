import ArgumentParser
import DemoApp
import Foundation
import OperatorAPI
import OperatorCore
import ProcessRuntime

/// The demo's steps, each bounded in time, each printing what happens.
struct DemoScript {
    let directory: StateDirectory
    let gatewayPort: Int
    let ports: DemoManifests.Ports
    var client: APIClient { APIClient(socketPath: directory.socketPath) }
    private var phases: [(name: String, counts: LoadGenerator.Counts, seconds: Int, result: String)] = []

    init(directory: StateDirectory, gatewayPort: Int, ports: DemoManifests.Ports) {
        self.directory = directory
        self.gatewayPort = gatewayPort
        self.ports = ports
    }

    func startOperator() async throws -> ProcessHandle {
        let spec = ProcessSpec(
            arguments: [SelfExecutable.path, "operator", "--state-dir", directory.root, "--gateway-port", String(gatewayPort)],
            logPath: directory.operatorLogPath)
        let handle = try await LocalProcessRuntime().spawn(spec)
        for _ in 0..<100 {
            if let response = try? await client.send("GET", "/healthz"), response.status == 200 {
                say("operator running (pid \(handle.pid)); gateway on 127.0.0.1:\(gatewayPort)")
                return handle
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw DemoError("the operator did not start; see \(directory.operatorLogPath)")
    }

    func stopOperator(_ handle: ProcessHandle) async {
        _ = try? await client.send("POST", "/v1/shutdown")
        let runtime = LocalProcessRuntime()
        for _ in 0..<300 {  // up to 30 s for every process to drain and stop
            if case .running = await runtime.observe(handle) {
                try? await Task.sleep(for: .milliseconds(100))
            } else {
                return
            }
        }
        _ = await runtime.stop(handle, grace: .seconds(2))
    }

    mutating func run(load: LoadGenerator, connections: Int) async throws {
        // 1. Deploy: primary and canary both run v1, so there is nothing to roll out yet.
        say("deploying web (2 replicas of demo-app v1, each with a sidecar) behind the gateway")
        try await apply(canary: ["--version", "v1", "--latency", "2ms"])
        try await waitUntilReady(seconds: 60)
        say("sending steady load: \(connections) connections to 127.0.0.1:\(ports.root) (service web)")
        let rootPort = ports.root
        let loadTask = Task { await load.run(port: rootPort, host: "web", connections: connections) }
        defer { loadTask.cancel() }
        try await Task.sleep(for: .seconds(2))

        // 2. A good version: the canary moves 20 → 50 → 80 %, analysed on the sidecars' metrics, then promoted.
        let good = try await phase("canary v2", load: load) {
            say("applying v2: a canary rollout starts (steps 20% → 50% → 80%, analysis every 3s)")
            try await apply(canary: ["--version", "v2", "--latency", "2ms"])
            return try await follow(until: ["Succeeded", "Failed", "Aborted"], seconds: 90)
        }

        // 3. A faulty version: 20% errors. The analysis fails twice and traffic returns to stable at once.
        phases.append(good)
        let faulty = try await phase("faulty v3", load: load) {
            say("applying v3 with 20% errors: the analysis should fail and roll it back")
            try await apply(canary: ["--version", "v3", "--latency", "2ms", "--error-rate", "0.2"])
            return try await follow(until: ["Failed", "Aborted", "Succeeded"], seconds: 60)
        }
        phases.append(faulty)
        try await Task.sleep(for: .seconds(2))
        load.stop()
        printSummary(total: load.snapshot)
    }

    private func phase(_ name: String, load: LoadGenerator, _ body: () async throws -> String) async throws
        -> (name: String, counts: LoadGenerator.Counts, seconds: Int, result: String)
    {
        let before = load.snapshot
        let start = ContinuousClock.now
        let result = try await body()
        return (name, load.snapshot.minus(before), Int(start.duration(to: .now).components.seconds), result)
    }

    private func apply(canary: [String]) async throws {
        let yaml = DemoManifests.yaml(ports: ports, canaryArguments: canary)
        let request = ApplyRequest(files: [.init(name: "demo.yaml", content: yaml)], source: "meshctl-demo")
        let response = try await client.send("POST", "/v1/apply", body: Array(try JSONEncoder().encode(request)))
        guard response.status == 200 else {
            throw DemoError("apply failed: " + String(decoding: response.body, as: UTF8.self))
        }
    }

    private func waitUntilReady(seconds: Int) async throws {
        for _ in 0..<(seconds * 4) {
            if let response = try? await client.send("GET", "/v1/status"),
               let snapshot = try? JSONDecoder().decode(StatusSnapshot.self, from: Data(response.body)),
               snapshot.objects.filter({ $0.kind == "Service" }).allSatisfy({ $0.status?.condition("Ready")?.status == "True" }),
               !snapshot.objects.isEmpty {
                say("all services Ready: \(snapshot.processes.count) processes running")
                return
            }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw DemoError("services did not become ready within \(seconds)s; see `meshctl status --state-dir \(directory.root)`")
    }

    /// Prints the rollout as it moves; returns its final phase.
    private func follow(until phases: Set<String>, seconds: Int) async throws -> String {
        var last = ""
        var sawProgress = false
        for _ in 0..<(seconds * 4) {
            try await Task.sleep(for: .milliseconds(250))
            guard let view = await client.rolloutView(named: "web") else { continue }
            if let line = RolloutStatusView.summaryLine(view), line != last {
                say("rollout: " + line)
                last = line
            }
            if ["Progressing", "Paused", "Promoting", "RollingBack", "Initializing"].contains(view.phase) { sawProgress = true }
            if sawProgress && phases.contains(view.phase) { return view.phase }
        }
        throw DemoError("the rollout did not finish within \(seconds)s")
    }

    private func printSummary(total: LoadGenerator.Counts) {
        say("summary")
        for phase in phases {
            let versions = phase.counts.byVersion.keys.sorted().map { version in
                let failed = phase.counts.count(version, "5xx")
                return "\(version) \(phase.counts.count(version))" + (failed > 0 ? " (\(failed) answered 500)" : "")
            }.joined(separator: ", ")
            Console.out("  \(phase.name): \(phase.result) in \(phase.seconds)s; \(phase.counts.total) requests: \(versions); "
                + "lost \(phase.counts.lost)")
        }
        let injected = total.count("v3", "5xx")
        Console.out("  all phases: \(total.total) requests, \(total.lost) lost to the mesh"
            + (total.lost > 0 ? " \(total.lostReasons)" : "") + ", \(injected) failures injected by the faulty v3")
    }
}

struct DemoError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
