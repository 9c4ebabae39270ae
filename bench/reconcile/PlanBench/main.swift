// bench/reconcile/PlanBench: compile + plan over N services in memory (no processes, no sockets).
//   swift run -c release PlanBench [SERVICES] [RUNS]      (defaults 1000, 20)
// The mesh: SERVICES services with a command and 2 replicas, one TrafficSplit and one RetryPolicy per 10 services.
// Timed, per run: MeshCompiler.compile (ports already assigned, every replica observed ready, as in a steady
// operator, with the operator's EncodingMemo and PlanMemo kept across runs) of weights that alternate between two
// values, so each compile is a weight change; then Planner.plan against an observed world where every process runs
// and every proxy reports the first weights' configuration (every other run, every proxy gets a `.configure`; the
// count printed is the last run's). Encoding one proxy's JSON (what a push sends) is timed apart.
import Foundation
import Manifests
import Reconciler
import SidecarConfig

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let serviceCount = arguments.first ?? 1000
let runs = arguments.dropFirst().first ?? 20

func manifests(weight: Int) -> String {
    var docs: [String] = []
    for i in 0..<serviceCount {
        docs.append("""
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: svc-\(i)}
            spec:
              port: \(30000 + i)
              command: [meshctl, demo-app, --version, v1]
              replicas: 2
              healthCheck: {path: /healthz}

            """)
    }
    for group in stride(from: 0, to: serviceCount - 1, by: 10) {
        docs.append("""
            apiVersion: split.smi-spec.io/v1alpha4
            kind: TrafficSplit
            metadata: {name: split-\(group)}
            spec:
              service: svc-\(group)
              backends:
              - {service: svc-\(group + 1), weight: \(100 - weight)}
              - {service: svc-\(group + 1 < serviceCount - 1 ? group + 2 : group + 1), weight: \(weight)}

            """)
        docs.append("""
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: RetryPolicy
            metadata: {name: retry-\(group)}
            spec: {service: svc-\(group), attempts: 2, retryOn: [5xx, connect-failure]}

            """)
    }
    return docs.joined(separator: "---\n")
}

func inputs(weight: Int) -> MeshInputs {
    let report = ManifestSet.load(sources: [.init(file: "bench.yaml", bytes: Array(manifests(weight: weight).utf8))],
                                  limits: YAMLLimits(maxBytes: 256 << 20, maxDepth: 128, maxNodes: 50_000_000))
    precondition(report.isValid, "\(report.diagnostics.prefix(3))")
    return MeshInputs(objects: report.objects.map(\.object), meshctlPath: "/usr/bin/meshctl",
                      configsDirectory: "/tmp/configs", gatewayPort: 8080)
}

/// This thread's CPU time: on a machine shared with other builds, wall time mostly measures the scheduler.
func cpuNow() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

var ports = PortBook(lowest: 20_000, highest: 60_000)
var before = inputs(weight: 10)
var after = inputs(weight: 90)
// First compile assigns ports; then mark everything ready, as a running mesh would be.
let first = MeshCompiler.compile(before, ports: &ports, isFree: { _ in true })
for process in first.processes {
    switch process.slot.role {
    case .workload:
        before.readyWorkloadPorts[process.slot] = [process.ports["port"] ?? 0]
        after.readyWorkloadPorts[process.slot] = [process.ports["port"] ?? 0]
    case .sidecar:
        before.readyInboundPorts[process.slot] = [process.ports["inbound"] ?? 0]
        after.readyInboundPorts[process.slot] = [process.ports["inbound"] ?? 0]
    case .gateway: break
    }
}
let old = MeshCompiler.compile(before, ports: &ports, isFree: { _ in true })
let observed = old.processes.map { process in
    ObservedProcess(slot: process.slot, instance: "\(process.slot)@\(process.revision.prefix(8))#1",
                    revision: process.revision, state: .ready,
                    configVersion: old.configurations[process.slot]?.version)
}

let clock = ContinuousClock()
var compileTimes: [Double] = []
var planTimes: [Double] = []
var compileCPU: [Double] = []
var planCPU: [Double] = []
var configures = 0
// One memo for the series, as the operator keeps one per loop; the weights alternate, so each compile is a change.
// `PlanMemo`, as the operator keeps one too: a weight change then reuses the replicas' plans and the tables.
let memo = EncodingMemo()
let plans = PlanMemo()
_ = MeshCompiler.compile(before, ports: &ports, isFree: { _ in true }, memo: memo, plans: plans)
for run in 0..<runs {
    let start = clock.now
    let cpu0 = cpuNow()
    let world = MeshCompiler.compile(run % 2 == 0 ? after : before, ports: &ports, isFree: { _ in true }, memo: memo,
                                     plans: plans)
    let compiled = clock.now
    let cpu1 = cpuNow()
    let actions = Planner.plan(desired: world.processes, observed: observed, now: 0)
    let planned = clock.now
    let cpu2 = cpuNow()
    // Freeing 2,001 configurations (each with every service) is not planning: keep the world alive past the clock.
    withExtendedLifetime(world) {}
    compileCPU.append(cpu1 - cpu0)
    planCPU.append(cpu2 - cpu1)
    compileTimes.append(seconds(start.duration(to: compiled)))
    planTimes.append(seconds(compiled.duration(to: planned)))
    configures = actions.filter { if case .configure = $0 { true } else { false } }.count
}
let world = MeshCompiler.compile(after, ports: &ports, isFree: { _ in true })
let someConfig = world.configurations.values.first { $0.listeners.contains { $0.kind == .inbound } }!
let encodeStart = clock.now
var bytes = 0
for _ in 0..<10 { bytes = someConfig.encodedJSON().count }
let encode = seconds(encodeStart.duration(to: clock.now)) / 10

func report(_ name: String, _ values: [Double]) -> String {
    let sorted = values.sorted()
    let p50 = sorted[sorted.count / 2] * 1000
    let worst = sorted.last! * 1000
    return "\(name) p50 \(String(format: "%.1f", p50)) ms, max \(String(format: "%.1f", worst)) ms"
}
let total = zip(compileTimes, planTimes).map { $0 + $1 }
print("\(serviceCount) services, \(world.processes.count) processes, \(world.configurations.count) proxy configs, "
      + "\(configures) configure actions; \(runs) runs")
print(report("compile (wall)", compileTimes))
print(report("plan (wall)", planTimes))
print(report("compile+plan (wall)", total))
print(report("compile CPU", compileCPU))
print(report("plan CPU", planCPU))
print(report("compile+plan CPU", zip(compileCPU, planCPU).map { $0 + $1 }))
print("encode one proxy config (\(bytes) bytes): \(String(format: "%.1f", encode * 1000)) ms")
