import DurationText
import Manifests

/// Rollout → a Flagger Canary or an Argo Rollout (with an AnalysisTemplate); what both need about the split.
extension ExportContext {
    mutating func exportRollout(_ rollout: Rollout, _ loaded: LoadedObject, mesh: [LoadedObject]) {
        guard let split = mesh.lazy.compactMap({ $0.object.trafficSplit })
            .first(where: { $0.metadata.name == rollout.spec.trafficSplit })
        else {
            error(loaded, "spec.trafficSplit", "TrafficSplit \(rollout.spec.trafficSplit) is not in the exported set")
            return
        }
        var annotations = rollout.metadata.annotations
        carryUnmappedFields(loaded, into: &annotations)
        // Flagger and Argo's blue-green do not name a split at all; import restores it from here.
        keep(loaded, "spec.trafficSplit", into: &annotations)
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
        case .flagger: exportCanary(rollout, loaded, root: split.spec.service, annotations: annotations)
        case .argo: exportArgoRollout(rollout, loaded, split: split, annotations: annotations)
        }
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
