import DurationText
import Manifests

/// A Service's `readinessProbe` → the container's readinessProbe (Kubernetes' own field names), and `autoscale` → an
/// `autoscaling/v2` HorizontalPodAutoscaler on the Deployment (docs/kubernetes.md, "Readiness and autoscaling").
extension ExportContext {
    /// Which meshctl field the container's readinessProbe came from, when it is `spec.readinessProbe`: import reads
    /// a readinessProbe without it as a `healthCheck`, as before this mapping.
    static let probeAnnotation = annotationPrefix + "readinessProbe"
    /// The per-pod metric the HPA scales on: requests per second the sidecar passed to its workload.
    static let requestRateMetric = "requests_per_second"

    /// The container's readinessProbe: `spec.readinessProbe` when written (then a `healthCheck` beside it, which
    /// Kubernetes has no second probe for, is kept in an annotation with a warning), else the `healthCheck`'s.
    mutating func readiness(_ service: Service, _ command: Service.Command, _ loaded: LoadedObject,
                            annotations: inout [String: String]) -> CanonicalValue? {
        guard let readiness = command.readinessProbe else {
            return service.spec.healthCheck.map { probe($0, loaded, port: service.spec.port, annotations: &annotations) }
        }
        annotations[Self.probeAnnotation] = "spec.readinessProbe"
        if service.spec.healthCheck != nil {
            warn(loaded, "spec.healthCheck", "a container has one readinessProbe, which carries spec.readinessProbe; the "
                     + "healthCheck (the sidecars' own check) has no second Kubernetes probe and is kept in annotation "
                     + "\(Self.annotationPrefix)spec.healthCheck for meshctl import")
            keep(loaded, "spec.healthCheck", into: &annotations)
        }
        let action: (String, CanonicalValue?)
        switch readiness.action {
        case .httpGet(let path, let port):
            // No port: the replica's PORT, which is the container port named http.
            action = ("httpGet", .object([("path", .string(path)), ("port", port.map { .int($0) } ?? .string("http"))]))
        case .exec(let argv):
            action = ("exec", .object([("command", .strings(argv))]))
        }
        return .object([
            action,
            ("initialDelaySeconds", .int(readiness.initialDelaySeconds)),
            ("periodSeconds", .int(readiness.periodSeconds)),
            ("timeoutSeconds", .int(readiness.timeoutSeconds)),
            ("successThreshold", .int(readiness.successThreshold)),
            ("failureThreshold", .int(readiness.failureThreshold)),
        ])
    }

    /// `autoscale` → a HorizontalPodAutoscaler of the Deployment `name` (which then has no replicas of its own:
    /// the HPA owns the count, as meshctl's autoscaler does). The rate per replica is a Pods metric, which no
    /// cluster has built in: the warning says what must serve it.
    mutating func exportAutoscaler(_ name: String, _ autoscale: Service.Autoscale, _ loaded: LoadedObject) {
        var annotations: [String: String] = [:]
        let window = autoscale.scaleDownStabilization
        if !window.isWholeSeconds && window != .zero {
            warn(loaded, "spec.autoscale.scaleDownStabilization", "Kubernetes counts the stabilization window in whole "
                     + "seconds: \(window.canonicalText) becomes \(window.secondsRoundedUp)s; kept in annotation "
                     + "\(Self.annotationPrefix)spec.autoscale.scaleDownStabilization for meshctl import")
            keep(loaded, "spec.autoscale.scaleDownStabilization", into: &annotations)
        }
        warn(loaded, "spec.autoscale", "the HorizontalPodAutoscaler scales on the Pods metric \(Self.requestRateMetric), "
                 + "which Kubernetes does not have built in: a custom metrics adapter (e.g. prometheus-adapter over the "
                 + "mesh's inbound request counters) must serve it, or the HPA holds the Deployment where it is")
        emit("autoscaling/v2", "HorizontalPodAutoscaler", name: name, from: loaded, annotations: annotations,
             body: [("spec", .object([
                 ("scaleTargetRef", .object([("apiVersion", .string("apps/v1")), ("kind", .string("Deployment")),
                                             ("name", .string(name))])),
                 ("minReplicas", .int(autoscale.min)),
                 ("maxReplicas", .int(autoscale.max)),
                 ("metrics", .list([.object([
                     ("type", .string("Pods")),
                     ("pods", .object([
                         ("metric", .object([("name", .string(Self.requestRateMetric))])),
                         ("target", .object([("type", .string("AverageValue")),
                                             ("averageValue", .string(Self.quantity(autoscale.targetRPSPerReplica)))])),
                     ])),
                 ])])),
                 ("behavior", .object([("scaleDown", .object([
                     ("stabilizationWindowSeconds", .int(window == .zero ? 0 : window.secondsRoundedUp)),
                 ]))])),
             ]))])
    }

    /// A Kubernetes quantity for a rate meshctl reads to 0.001: whole numbers as they are, others in milli-units
    /// (`12.5` → `12500m`), so the value reads back exactly.
    static func quantity(_ value: Double) -> String {
        let milli = Int((value * 1000).rounded())
        return milli % 1000 == 0 ? String(milli / 1000) : "\(milli)m"
    }
}
