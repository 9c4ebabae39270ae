import Manifests

/// The safety net for what this export does not know: a spec field added to meshctl after the mapping was written
/// is carried in an annotation (and warned about when written), and a kind with no mapping travels whole in a
/// ConfigMap — so nothing is dropped silently and import still gives the same objects back.
extension ExportContext {
    /// Spec field paths the mapping handles, by kind. A listed map with listed children is checked one level deeper.
    static let mappedFields: [ManifestKind: Set<String>] = [
        .service: [
            "spec.port", "spec.appProtocol", "spec.command", "spec.replicas", "spec.env", "spec.workingDir", "spec.endpoints",
            "spec.healthCheck", "spec.healthCheck.path", "spec.healthCheck.grpc", "spec.healthCheck.interval", "spec.healthCheck.timeout",
            "spec.healthCheck.healthyThreshold", "spec.healthCheck.unhealthyThreshold", "spec.loadBalancer",
            "spec.outlierDetection", "spec.outlierDetection.consecutive5xxErrors",
            "spec.outlierDetection.consecutiveGatewayErrors", "spec.outlierDetection.interval",
            "spec.outlierDetection.baseEjectionTime", "spec.outlierDetection.maxEjectionPercent",
            "spec.connectionPool", "spec.connectionPool.maxConnections", "spec.connectionPool.maxPendingRequests",
            "spec.connectionPool.maxRequestsPerConnection", "spec.rateLimit", "spec.readinessProbe", "spec.autoscale",
        ],
        .trafficSplit: ["spec.service", "spec.backends", "spec.matches"],
        .httpRouteGroup: ["spec.matches"],
        .retryPolicy: [
            "spec.service", "spec.attempts", "spec.perTryTimeout", "spec.timeout", "spec.retryOn", "spec.backoff",
            "spec.backoff.base", "spec.backoff.max", "spec.backoff.jitter", "spec.budget", "spec.budget.percent",
            "spec.budget.minRetriesPerSecond", "spec.idempotentOnly",
        ],
        .rollout: Set(["spec.trafficSplit", "spec.progressDeadline", "spec.canary", "spec.canary.stableService",
                       "spec.canary.canaryService", "spec.canary.steps", "spec.canary.stepWeight",
                       "spec.canary.maxWeight", "spec.blueGreen", "spec.blueGreen.activeService",
                       "spec.blueGreen.previewService", "spec.blueGreen.preview", "spec.blueGreen.autoPromotionSeconds",
                       "spec.blueGreen.scaleDownDelay"])
            .union(["spec.canary.analysis", "spec.blueGreen.prePromotionAnalysis"].flatMap { analysis in
                [analysis] + ["interval", "threshold", "minRequests", "metrics", "webhooks"].map { "\(analysis).\($0)" }
            }),
    ]

    /// Carries every spec field of `loaded` that `known` does not list.
    mutating func carryUnmappedFields(_ loaded: LoadedObject, into annotations: inout [String: String],
                                      known: Set<String>? = nil)
    {
        let known = known ?? Self.mappedFields[loaded.object.kind] ?? []
        guard let spec = loaded.object.canonical["spec"] else { return }
        for path in Self.unknownPaths(spec, under: "spec", known: known) {
            keep(loaded, path, into: &annotations)
            if written(loaded, path) {
                warn(loaded, path, "no Kubernetes mapping for this field yet; kept in annotation \(Self.annotationPrefix)\(path) for meshctl import")
            }
        }
    }

    private static func unknownPaths(_ value: CanonicalValue, under prefix: String, known: Set<String>) -> [String] {
        value.fields.flatMap { field -> [String] in
            let path = "\(prefix).\(field.key)"
            guard known.contains(path) else { return [path] }
            guard case .map = field.value, known.contains(where: { $0.hasPrefix(path + ".") }) else { return [] }
            return unknownPaths(field.value, under: path, known: known)
        }
    }

    /// The label of a ConfigMap that carries a whole meshctl object.
    static let manifestLabel = annotationPrefix + "manifest"

    /// A kind this export has no mapping for (or an object the target cannot say exactly, `because`), whole, in a
    /// ConfigMap only meshctl import reads.
    mutating func exportAsConfigMap(_ loaded: LoadedObject, because reason: String? = nil) {
        let object = loaded.object
        let name = "meshctl-\(object.kind.rawValue.lowercased())-\(object.name)"
        let why = reason.map { "not mapped: \($0)" } ?? "\(object.kind.rawValue) has no Kubernetes mapping in this export"
        warn(loaded, "kind", "\(why); carried as ConfigMap \(name) for meshctl import only, not enforced in the cluster")
        emit("v1", "ConfigMap", name: name, from: loaded, labels: [Self.manifestLabel: "true"],
             body: [("data", .object([("manifest.yaml", .string(ManifestEncoder.yaml([object])))]))])
    }
}
