import Manifests

/// A container's readinessProbe → `readinessProbe` (or, as before that field existed, `healthCheck`), and a
/// HorizontalPodAutoscaler of the Deployment → `autoscale` (the inverse of ExportContext+Scaling.swift).
extension ImportContext {
    /// A probe export wrote from `spec.readinessProbe` (annotated so), or any `exec` probe (which a healthCheck
    /// cannot be), is a readinessProbe; an `httpGet` or `grpc` probe of another Deployment stays a healthCheck.
    func readsAsReadinessProbe(_ probe: CanonicalValue, of deployment: KubernetesDocument) -> Bool {
        deployment.annotations[ExportContext.probeAnnotation] == "spec.readinessProbe" || probe["exec"] != nil
    }

    /// Kubernetes' probe fields are meshctl's; an httpGet port that names the container's `http` port (or any
    /// name) is the replica's PORT, which meshctl writes by leaving the port out.
    mutating func readinessProbe(_ probe: CanonicalValue, of deployment: KubernetesDocument) -> CanonicalValue {
        var action: (String, CanonicalValue?) = ("exec", probe["exec"].map { .object([("command", $0["command"])]) })
        if let http = probe["httpGet"] {
            for field in ["host", "scheme", "httpHeaders"] where http[field] != nil {
                warn(deployment, "Deployment/\(deployment.name): readinessProbe.httpGet.\(field) has no meshctl counterpart (meshctl probes 127.0.0.1 over plain HTTP); ignored")
            }
            action = ("httpGet", .object([("path", http["path"] ?? .string("/")), ("port", http["port"]?.intValue.map { .int($0) })]))
        } else if probe["exec"] == nil {
            warn(deployment, "Deployment/\(deployment.name): only httpGet and exec readiness probes map to meshctl's readinessProbe")
        }
        return .object([action] + ["initialDelaySeconds", "periodSeconds", "timeoutSeconds", "successThreshold",
                                   "failureThreshold"].map { ($0, probe[$0]) })
    }

    /// The `autoscale` of the HorizontalPodAutoscaler that scales `deployment` on the requests-per-second Pods
    /// metric, with that HPA (it may carry a field export kept); nil when there is none. An HPA on other metrics
    /// is warned about and not imported: meshctl scales on the request rate only.
    mutating func autoscale(of deployment: KubernetesDocument) -> (value: CanonicalValue, carrier: KubernetesDocument)? {
        guard let hpa = documents("autoscaling", "HorizontalPodAutoscaler").first(where: {
            $0.namespace == deployment.namespace && $0.spec.at("scaleTargetRef.kind")?.stringValue == "Deployment"
                && $0.spec.at("scaleTargetRef.name")?.stringValue == deployment.name
        }) else { return nil }
        let rate = hpa.spec["metrics"]?.listValue.first {
            $0["type"]?.stringValue == "Pods" && $0.at("pods.metric.name")?.stringValue == ExportContext.requestRateMetric
        }
        guard let target = rate?.at("pods.target.averageValue").flatMap(Self.quantity) else {
            warn(hpa, "HorizontalPodAutoscaler/\(hpa.name): meshctl autoscales on the Pods metric \(ExportContext.requestRateMetric) (an averageValue) only; not imported, the Deployment's replicas are used")
            return nil
        }
        let window = hpa.spec.at("behavior.scaleDown.stabilizationWindowSeconds")?.intValue
        return (.object([
            ("min", .int(hpa.spec["minReplicas"]?.intValue ?? 1)),
            ("max", hpa.spec["maxReplicas"]),
            ("targetRPSPerReplica", target.rounded() == target ? .int(Int(target)) : .decimal(target)),
            ("scaleDownStabilization", Self.seconds(window.map { .int($0) })),
        ]), hpa)
    }

    /// A Kubernetes quantity as a number: `50`, `12.5`, `12500m`, `2k`; nil for what is not one.
    static func quantity(_ value: CanonicalValue) -> Double? {
        guard case .string(var text) = value else { return value.doubleValue }
        var scale = 1.0
        if text.hasSuffix("m") { scale = 0.001; text.removeLast() }
        else if text.hasSuffix("k") { scale = 1000; text.removeLast() }
        return Double(text).map { $0 * scale }
    }
}
