import DurationText
import Manifests

/// Rollout → a Flagger Canary or an Argo Rollout (with an AnalysisTemplate); what both need about the split.
extension ExportContext {
    mutating func exportRollout(_ rollout: Rollout, _ loaded: LoadedObject, mesh: [LoadedObject]) {
        guard let routing = routing(of: rollout, loaded, mesh: mesh) else { return }
        var annotations = rollout.metadata.annotations
        carryUnmappedFields(loaded, into: &annotations)
        // Flagger and Argo's blue-green do not name a split at all; import restores it from here.
        keep(loaded, rollout.spec.httpRoute == nil ? "spec.trafficSplit" : "spec.httpRoute", into: &annotations)
        if !rollout.spec.progressDeadline.isWholeSeconds {
            unmapped(loaded, "spec.progressDeadline", isDefault: false, into: &annotations,
                     "deadlines count whole seconds (\(rollout.spec.progressDeadline.secondsRoundedUp)s)")
        }
        var runsCommand = false
        if case .command? = services[rollout.spec.newService]?.object.service?.spec.workload { runsCommand = true }
        if !runsCommand {
            warn(loaded, Self.newServicePath(rollout), "\(rollout.spec.newService) runs no command here, so it has no "
                     + "Deployment: \(options.rollouts == .flagger ? "Flagger's targetRef" : "Argo's workloadRef") names one")
        }
        switch options.rollouts {
        case .flagger: exportCanary(rollout, loaded, root: routing.root, annotations: annotations)
        case .argo: exportArgoRollout(rollout, loaded, routing: routing, annotations: annotations)
        }
    }

    /// What a rollout moves: a TrafficSplit (its root and name), or an HTTPRoute (its first Service parent, or, for
    /// an ingress route, the stable Service, and its name). Nil, reported, when the object is not exported.
    private mutating func routing(of rollout: Rollout, _ loaded: LoadedObject, mesh: [LoadedObject]) -> RolloutRouting? {
        if let name = rollout.spec.httpRoute {
            guard let route = mesh.lazy.compactMap({ $0.object.httpRoute }).first(where: { $0.metadata.name == name }) else {
                error(loaded, "spec.httpRoute", "HTTPRoute \(name) is not in the exported set")
                return nil
            }
            let gateways = Set(mesh.compactMap { $0.object.gateway?.metadata.name })
            let root = route.spec.parentRefs.first { !$0.isGateway(among: gateways) }?.name ?? rollout.spec.stableService
            return RolloutRouting(root: root, name: name, isHTTPRoute: true)
        }
        guard let split = mesh.lazy.compactMap({ $0.object.trafficSplit })
            .first(where: { $0.metadata.name == rollout.spec.trafficSplit })
        else {
            error(loaded, "spec.trafficSplit", "TrafficSplit \(rollout.spec.trafficSplit) is not in the exported set")
            return nil
        }
        return RolloutRouting(root: split.spec.service, name: split.metadata.name, isHTTPRoute: false)
    }

    static func newServicePath(_ rollout: Rollout) -> String {
        switch rollout.spec.strategy {
        case .canary: "spec.canary.canaryService"
        case .blueGreen: "spec.blueGreen.previewService"
        }
    }

    /// Fields of an analysis no controller has: the minimum request count.
    mutating func exportAnalysisLeftovers(_ analysis: Rollout.Analysis, path: String, _ loaded: LoadedObject,
                                          annotations: inout [String: String])
    {
        unmapped(loaded, path + ".minRequests", isDefault: analysis.minRequests == Rollout.Analysis().minRequests,
                 into: &annotations, "neither Flagger nor Argo holds an analysis back for too few requests")
    }

    mutating func exportBlueGreenLeftovers(_ blueGreen: Rollout.BlueGreen, _ loaded: LoadedObject,
                                           annotations: inout [String: String])
    {
        let defaults = Rollout.BlueGreen(activeService: "", previewService: "")
        unmapped(loaded, "spec.blueGreen.preview", isDefault: blueGreen.preview == defaults.preview,
                 into: &annotations,
                 "the cluster previews the new version through its own Service (\(blueGreen.previewService)), not a header or port of the gateway")
    }
}

/// The routing object a rollout moves, as the controllers name it.
struct RolloutRouting {
    /// The Service callers address (Flagger's `service`, SMI's `rootService`).
    var root: String
    /// The TrafficSplit's name, or the HTTPRoute's (the export writes a split as an HTTPRoute of its name).
    var name: String
    /// An HTTPRoute of meshctl's own: Argo moves it through the Gateway API plugin whatever `--split` says.
    var isHTTPRoute: Bool
}
