import Foundation
import MeshStore
import MeshTelemetry
import OperatorAPI
import Reconciler
import ServiceLifecycle

/// Feeds the dashboard once a second: scrapes every proxy's `/metrics` (with `meshctl stat`'s scraper, one scrape
/// per caller so edges know who called) and records the graph and rollout points. It only scrapes while a rollout
/// is under way or a page polled within the last minute: an idle mesh with no viewer costs nothing.
struct DashboardSampler: Service {
    let loop: ReconcileLoop
    let store: SQLiteStore
    let history: DashboardHistory
    let scraper: MeshScraper
    var interval: Duration = .seconds(1)

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await sampleIfWanted()
                try? await Task.sleep(for: interval)
            }
        }
    }

    func sampleIfWanted() async {
        // Asked before the inputs are taken: those are a view of every process (401 at 100 services x 2), built on
        // the loop's actor, where each second it stood in the way of a change for nothing.
        let viewed = await history.recentlyViewed(at: ProcessInfo.processInfo.systemUptime)
        let wanted = viewed ? true : await loop.hasActiveRollout
        guard wanted else { return }
        await sample(await loop.dashboardInputs())
    }

    func sample(_ inputs: ReconcileLoop.DashboardInputs) async {
        let targets = await RolloutTargets.load(from: store)
        let topology = await Self.topology(store: store, rollouts: targets, states: inputs)
        let callers = await scrapeByCaller(inputs.processes)
        let rollouts = targets.compactMap { target in inputs.rollouts[target.name].map { (target, $0) } }
        await history.record(time: Date().timeIntervalSince1970, topology: topology, callers: callers,
                             rollouts: rollouts)
    }

    /// Every live proxy's counters, summed per caller: `gateway`, or the service whose replicas' sidecars they are.
    private func scrapeByCaller(_ processes: [ProcessView]) async -> [String: MeshScrape] {
        var ports: [String: [Int]] = [:]
        for process in processes where process.role != "workload" && !process.state.hasPrefix("exited") {
            guard let admin = process.ports["admin"] else { continue }
            ports[process.role == "gateway" ? DashboardGraph.gateway : process.service, default: []].append(admin)
        }
        let scraper = scraper
        return await withTaskGroup(of: (String, MeshScrape).self) { group in
            for (caller, adminPorts) in ports {
                group.addTask { (caller, await scraper.scrape(adminPorts: adminPorts)) }
            }
            var result: [String: MeshScrape] = [:]
            for await (caller, scrape) in group { result[caller] = scrape }
            return result
        }
    }

    /// Services and splits as stored, a rollout's weights replacing its split's.
    static func topology(store: SQLiteStore, rollouts: [RolloutTargets], states: ReconcileLoop.DashboardInputs) async
        -> DashboardTopology
    {
        struct SplitSpec: Decodable {
            struct Backend: Decodable {
                var service: String
                var weight: Int?
            }
            var service: String
            var backends: [Backend]
        }
        let services = ((try? await store.objects(kind: "Service")) ?? []).map(\.key.name)
        var splits: [DashboardTopology.Split] = []
        for stored in (try? await store.objects(kind: "TrafficSplit")) ?? [] {
            guard let spec = try? JSONDecoder().decode(SplitSpec.self, from: stored.spec) else { continue }
            var weights = Dictionary(spec.backends.map { ($0.service, $0.weight ?? 0) }, uniquingKeysWith: +)
            if let rollout = rollouts.first(where: { $0.trafficSplit == stored.key.name }),
               let state = states.rollouts[rollout.name] {
                weights[rollout.stableService] = state.desiredWeights.stable
                weights[rollout.newService] = state.desiredWeights.canary
            }
            splits.append(DashboardTopology.Split(name: stored.key.name, root: spec.service,
                                                  backends: spec.backends.map(\.service), weights: weights))
        }
        return DashboardTopology(services: services, splits: splits)
    }
}
