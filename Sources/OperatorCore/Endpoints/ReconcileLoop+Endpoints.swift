import Foundation
import Manifests
import OperatorAPI
import Reconciler

extension ReconcileLoop {
    /// What every ready proxy holds now (`GET /v1/endpoints`): asked in parallel, each within a second.
    func proxyEndpoints() async -> EndpointsView {
        var sources = ProxyEndpoints.Sources()
        for instance in lastInstances where instance.slot.role == .sidecar {
            guard let inbound = instance.ports["inbound"] else { continue }
            sources.replicas["\(instance.slot.service) 127.0.0.1:\(inbound)"] =
                "\(instance.slot.service)/\(instance.slot.replica)"
        }
        for case .service(let service) in lastSnapshot?.objects ?? [] {
            guard case .endpoints(let statics) = service.spec.workload else { continue }
            for endpoint in statics { sources.statics.insert("\(service.metadata.name) \(endpoint.description)") }
        }
        for instance in registrations.instances.values {
            sources.registered.insert("\(instance.service) \(instance.address.description)")
        }
        let ports = lastInstances.filter { $0.isReady && $0.slot.role != .workload }.compactMap { $0.ports["admin"] }
        let prober = self.prober
        let answers = await withTaskGroup(of: ProxyEndpoints.Stats?.self) { group in
            for port in ports { group.addTask { await prober.stats(adminPort: port) } }
            var answers: [ProxyEndpoints.Stats] = []
            for await answer in group { if let answer { answers.append(answer) } }
            return answers
        }
        return ProxyEndpoints.merge(answers, sources: sources)
    }
}

extension Prober {
    /// A proxy's `/stats` (its endpoints as it sees them), or nil when it does not answer.
    func stats(adminPort: Int) async -> ProxyEndpoints.Stats? {
        guard let response = try? await admin.send(port: adminPort, "GET", "/stats", timeout: .seconds(1)),
              response.status == 200
        else { return nil }
        return try? JSONDecoder().decode(ProxyEndpoints.Stats.self, from: Data(response.body))
    }
}
