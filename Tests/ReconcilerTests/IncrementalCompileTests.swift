import Foundation
import Manifests
import SidecarConfig
import Testing

@testable import Reconciler

/// A compile that reuses the last one's plans (`PlanMemo`, a change of routing alone) must give exactly the world a
/// full compile of the same inputs gives: every process, port, configuration and version. Checked over random
/// series of changes, routing and otherwise, against a full compile from the same port book each step.
@Suite("incremental compile")
struct IncrementalCompileTests {
    /// SplitMix64: seeded, so a failing series can be replayed from its seed.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    private static let names = (0..<6).map { "svc-\($0)" }

    private static func service(_ name: String, port: Int, replicas: Int, upstreams: [String]?,
                                tcp: Bool = false) -> Service {
        Service(metadata: ObjectMeta(name: name), spec: Service.Spec(
            port: port, appProtocol: tcp ? .tcp : .http,
            workload: .command(Service.Command(argv: ["meshctl", "demo-app", "--version", "v1"], replicas: replicas)),
            upstreams: upstreams))
    }

    private static func split(_ root: String, _ backends: [(String, Int)]) -> TrafficSplit {
        TrafficSplit(metadata: ObjectMeta(name: root), spec: TrafficSplit.Spec(
            service: root, backends: backends.map { TrafficSplit.Backend(service: $0.0, weight: $0.1) }))
    }

    private static func initial() -> MeshInputs {
        var inputs = MeshInputs(
            services: names.enumerated().map { service($1, port: 9000 + $0, replicas: 2, upstreams: nil) }
                + [Service(metadata: ObjectMeta(name: "front"), spec: Service.Spec(port: 9100))],
            splits: [split("front", [("svc-0", 90), ("svc-1", 10)])],
            meshctlPath: "/bin/meshctl", configsDirectory: "/state/configs", gatewayPort: 8000)
        inputs.identitySocket = "/state/operator.sock"
        // A split root's policy is enforced by its backends: routing moves it between inbound listeners.
        inputs.authorizationPolicies = [AuthorizationPolicy(metadata: ObjectMeta(name: "front-callers"), spec: .init(
            service: "front", rules: [.init(from: ["gateway"], methods: ["GET"])]))]
        return inputs
    }

    /// One random change: mostly routing (what a weight change or a rollout step is), sometimes anything else.
    private static func change(_ inputs: inout MeshInputs, ports: PortBook, using random: inout Seeded) {
        func pick(_ count: Int) -> Int { Int.random(in: 0..<count, using: &random) }
        switch pick(10) {
        case 0, 1, 2:  // a weight
            let weight = pick(101)
            inputs.splits[0].spec.backends = [.init(service: "svc-0", weight: 100 - weight),
                                              .init(service: "svc-1", weight: weight)]
        case 3:  // a split's backends move
            let a = names[pick(names.count)], b = names[pick(names.count)]
            inputs.splits[0].spec.backends = [.init(service: a, weight: 50)] + (a == b ? [] : [.init(service: b, weight: 50)])
        case 4:  // a second split comes or goes
            if inputs.splits.count > 1 { inputs.splits.removeLast() } else {
                inputs.splits.append(split("svc-5", [("svc-4", pick(100)), ("svc-5", 1)]))
            }
        case 5:  // what a rollout holds
            inputs.weightOverrides = pick(2) == 0 ? [:] : ["front": ["svc-0": pick(100), "svc-1": 7]]
        case 6:  // a Service declares what it calls, or stops declaring
            let index = pick(names.count)
            let service = inputs.services[index]
            inputs.services[index].spec.upstreams = service.spec.upstreams == nil ? ["front", names[pick(names.count)]] : nil
        case 7:  // a replica more or less
            let index = pick(names.count)
            if case .command(var command) = inputs.services[index].spec.workload {
                command.replicas = 1 + pick(3)
                inputs.services[index].spec.workload = .command(command)
            }
        default:  // readiness: some replicas ready, from the ports the book gave them
            inputs.readyWorkloadPorts = [:]
            inputs.readyInboundPorts = [:]
            for (key, port) in ports.assignments where pick(3) != 0 {
                guard let slotText = key.split(separator: "@").first, let slot = Self.slot(String(slotText)) else { continue }
                if slot.role == .workload, key.hasSuffix(":port") { inputs.readyWorkloadPorts[slot, default: []].append(port) }
                if slot.role == .sidecar, key.hasSuffix(":inbound") { inputs.readyInboundPorts[slot, default: []].append(port) }
            }
            for key in inputs.readyWorkloadPorts.keys { inputs.readyWorkloadPorts[key]?.sort() }
        }
    }

    private static func slot(_ text: String) -> SlotID? {
        let parts = text.split(separator: "/")
        guard parts.count == 3, let role = SlotID.Role(rawValue: String(parts[1])), let replica = Int(parts[2]) else {
            return nil
        }
        return SlotID(service: String(parts[0]), role: role, replica: replica)
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func everyCompileEqualsAFullOne(seed: UInt64) {
        var random = Seeded(state: seed)
        var inputs = Self.initial()
        var book = PortBook()
        let memo = EncodingMemo()
        let plans = PlanMemo()
        var reused = 0
        for step in 0..<40 {
            Self.change(&inputs, ports: book, using: &random)
            var fullBook = book
            let full = MeshCompiler.compile(inputs, ports: &fullBook, isFree: { _ in true })
            let wasReusable = plans.reusable(for: inputs, ports: book) != nil
            let incremental = MeshCompiler.compile(inputs, ports: &book, isFree: { _ in true }, memo: memo, plans: plans)
            if wasReusable { reused += 1 }
            #expect(incremental.processes == full.processes, "seed \(seed) step \(step)")
            #expect(incremental.configurations == full.configurations, "seed \(seed) step \(step)")
            #expect(incremental.portKeys == full.portKeys, "seed \(seed) step \(step)")
            #expect(incremental.terminationGracePeriods == full.terminationGracePeriods, "seed \(seed) step \(step)")
            #expect(book == fullBook, "seed \(seed) step \(step)")
        }
        // The series did exercise the reuse (most changes are routing alone).
        #expect(reused >= 5, "seed \(seed): \(reused) reused")
    }

    /// `MeshCompiler.reweigh` (the operator's way from a stored weight to the proxies) gives the world a full compile of
    /// the same inputs gives, and refuses a split whose backends moved.
    @Test func aReweighEqualsAFullCompileAndTakesWeightsAlone() throws {
        var inputs = Self.initial()
        inputs.services[2].spec.upstreams = ["front"]  // a declared scope carries the split too
        var book = PortBook()
        let memo = EncodingMemo()
        let plans = PlanMemo()
        _ = MeshCompiler.compile(inputs, ports: &book, isFree: { _ in true }, memo: memo, plans: plans)
        for weight in [0, 37, 100] {
            inputs.splits[0].spec.backends = [.init(service: "svc-0", weight: 100 - weight), .init(service: "svc-1", weight: weight)]
            let reweighed = try #require(MeshCompiler.reweigh(inputs.splits, memo: memo, plans: plans))
            var fullBook = book
            let full = MeshCompiler.compile(inputs, ports: &fullBook, isFree: { _ in true })
            #expect(reweighed.world.processes == full.processes, "weight \(weight)")
            #expect(reweighed.world.configurations == full.configurations, "weight \(weight)")
            #expect(reweighed.inputs.splits == inputs.splits)
        }
        var moved = inputs.splits
        moved[0].spec.backends[1].service = "svc-2"
        #expect(MeshCompiler.reweigh(moved, memo: memo, plans: plans) == nil)
    }

    @Test func aWeightChangeReusesThePlansAndAnythingElseDoesNot() {
        var inputs = Self.initial()
        var book = PortBook()
        let plans = PlanMemo()
        _ = MeshCompiler.compile(inputs, ports: &book, isFree: { _ in true }, plans: plans)
        inputs.splits[0].spec.backends[0].weight = 50
        #expect(plans.reusable(for: inputs, ports: book) != nil)
        inputs.weightOverrides = ["front": ["svc-0": 1]]
        #expect(plans.reusable(for: inputs, ports: book) != nil)
        var replica = inputs
        replica.readyWorkloadPorts[SlotID(service: "svc-0", role: .workload, replica: 0)] = [1]
        #expect(plans.reusable(for: replica, ports: book) == nil)
        // A port the book no longer holds is planned again.
        var forgot = book
        forgot.retain([])
        #expect(plans.reusable(for: inputs, ports: forgot) == nil)
    }

    @Test func aWeightChangeKeepsEverySidecarsServiceTableAndAReadinessChangeDoesNot() throws {
        var inputs = Self.initial()
        var book = PortBook()
        let memo = EncodingMemo()
        let plans = PlanMemo()
        let first = MeshCompiler.compile(inputs, ports: &book, isFree: { _ in true }, memo: memo, plans: plans)
        inputs.splits[0].spec.backends[0].weight = 50
        let second = MeshCompiler.compile(inputs, ports: &book, isFree: { _ in true }, memo: memo, plans: plans)
        let sidecars = first.configurations.keys.filter { $0.role == .sidecar }
        #expect(sidecars.count == 12)
        for slot in sidecars {
            let before = try #require(first.configurations[slot]), after = try #require(second.configurations[slot])
            // The same table, not a copy of it: no 100-service copy per sidecar per weight change.
            #expect(ServiceTableMemo.sameArray(before.services, after.services), "\(slot)")
            #expect(before.splits != after.splits && before.version != after.version, "\(slot)")
        }
        // A replica's readiness changes its sidecar's local service (and plans everything again): built anew.
        let slot = SlotID(service: "svc-0", role: .sidecar, replica: 0)
        inputs.readyWorkloadPorts[SlotID(service: "svc-0", role: .workload, replica: 0)] = [1]
        let third = MeshCompiler.compile(inputs, ports: &book, isFree: { _ in true }, memo: memo, plans: plans)
        let after = try #require(third.configurations[slot]?.services)
        #expect(!ServiceTableMemo.sameArray(try #require(second.configurations[slot]?.services), after))
        #expect(after.last?.endpoints == ["127.0.0.1:1"])
    }
}
