import DurationText
import Manifests

/// Rollout → Argo Rollout (its pods from the new version's Deployment through `workloadRef`) and an AnalysisTemplate
/// whose Prometheus checks are the success rate and latency the mesh's proxies report.
extension ExportContext {
    static let argoGatewayPlugin = "argoproj-labs/gatewayAPI"

    mutating func exportArgoRollout(_ rollout: Rollout, _ loaded: LoadedObject, routing: RolloutRouting,
                                    annotations: [String: String])
    {
        var annotations = annotations
        let templateName = "\(rollout.metadata.name)-analysis"
        let target = rollout.spec.newService
        var strategy: (String, CanonicalValue)
        var analysis: (Rollout.Analysis, String)?
        switch rollout.spec.strategy {
        case .canary(let canary):
            var steps: [CanonicalValue]
            switch canary.progression {
            case .steps(let meshSteps):
                steps = meshSteps.map(Self.argoStep)
            case .linear(let stepWeight, let maxWeight):
                // Flagger's progression spelled as Argo steps: each weight held for one analysis interval.
                steps = []
                var weight = stepWeight
                while stepWeight > 0, weight <= maxWeight, steps.count < 200 {
                    steps += [Self.argoStep(.setWeight(weight)), Self.argoStep(.pause(canary.analysis.interval))]
                    weight += stepWeight
                }
                keep(loaded, "spec.canary.stepWeight", into: &annotations)
                keep(loaded, "spec.canary.maxWeight", into: &annotations)
            }
            // Argo changes only the header routes its trafficRouting lists as managed.
            var managed: [String] = []
            if case .steps(let meshSteps) = canary.progression {
                for case .setHeaderRoute(let route) in meshSteps where !managed.contains(route.name) { managed.append(route.name) }
                for case .setMirrorRoute(let route) in meshSteps where !managed.contains(route.name) { managed.append(route.name) }
            }
            var routingFields: [(String, CanonicalValue?)] = options.split == .smi && !routing.isHTTPRoute
                ? [("smi", .object([("rootService", .string(routing.root)),
                                    ("trafficSplitName", .string(routing.name))]))]
                : [("plugins", .object([(Self.argoGatewayPlugin, .object([
                    ("httpRoute", .string(routing.name)),
                    ("namespace", .string(namespace(of: loaded) ?? "default")),
                ]))]))]
            if !managed.isEmpty { routingFields.append(("managedRoutes", .list(managed.map { .object([("name", .string($0))]) }))) }
            strategy = ("canary", .object([
                ("canaryService", .string(canary.canaryService)), ("stableService", .string(canary.stableService)),
                ("trafficRouting", .object(routingFields)),
                ("steps", .list(steps)),
                ("analysis", .object([("templates", .list([.object([("templateName", .string(templateName))])]))])),
            ]))
            analysis = (canary.analysis, "spec.canary.analysis")
        case .blueGreen(let blueGreen):
            let delay = blueGreen.scaleDownDelay
            if !delay.isWholeSeconds {
                unmapped(loaded, "spec.blueGreen.scaleDownDelay", isDefault: false, into: &annotations,
                         "scaleDownDelaySeconds counts whole seconds")
            }
            exportBlueGreenLeftovers(blueGreen, loaded, annotations: &annotations)
            strategy = ("blueGreen", .object([
                ("activeService", .string(blueGreen.activeService)), ("previewService", .string(blueGreen.previewService)),
                ("autoPromotionEnabled", blueGreen.autoPromotionSeconds == nil ? .bool(false) : nil),
                ("autoPromotionSeconds", .number(blueGreen.autoPromotionSeconds)),
                ("scaleDownDelaySeconds", .int(delay.secondsRoundedUp)),
                ("prePromotionAnalysis", blueGreen.prePromotionAnalysis == nil ? nil
                    : .object([("templates", .list([.object([("templateName", .string(templateName))])]))])),
            ]))
            analysis = blueGreen.prePromotionAnalysis.map { ($0, "spec.blueGreen.prePromotionAnalysis") }
        }
        let stable = rollout.spec.stableService
        warn(loaded, "spec.trafficSplit",
             "Argo runs both versions from one pod template (workloadRef: Deployment \(target)) and moves \(stable)'s "
                 + "Service to its own pods; Deployment \(stable) is no longer needed once the Rollout is healthy")
        let replicas = services[target]?.object.service.flatMap { service -> Int? in
            if case .command(let command) = service.spec.workload { command.replicas } else { nil }
        }
        emit("argoproj.io/v1alpha1", "Rollout", name: rollout.metadata.name, from: loaded,
             labels: rollout.metadata.labels, annotations: annotations,
             body: [("spec", .object([
                 ("replicas", .number(replicas)),
                 ("workloadRef", .object([("apiVersion", .string("apps/v1")), ("kind", .string("Deployment")),
                                          ("name", .string(target)), ("scaleDown", .string("progressively"))])),
                 ("progressDeadlineSeconds", .int(rollout.spec.progressDeadline.secondsRoundedUp)),
                 ("progressDeadlineAbort", .bool(true)),
                 ("strategy", .object([(strategy.0, strategy.1)])),
             ]))])
        if let (checks, path) = analysis {
            exportAnalysisTemplate(checks, path: path, name: templateName, service: target, loaded)
        }
    }

    static func argoStep(_ step: Rollout.Step) -> CanonicalValue {
        switch step {
        case .setWeight(let weight): .object([("setWeight", .int(weight))])
        case .pause(let duration): .object([("pause", .object([("duration", .text(duration?.canonicalText))]))])
        case .setHeaderRoute(let route):
            .object([("setHeaderRoute", .object([("name", .string(route.name))] + (route.match.isEmpty ? [] : [
                ("match", .list(route.match.map {
                    .object([("headerName", .string($0.headerName)),
                             ("headerValue", .object([($0.type.rawValue, .string($0.value))]))])
                })),
            ])))])
        case .setMirrorRoute(let route): .object([("setMirrorRoute", route.canonical)])  // written in Argo's shape
        }
    }

    /// The analysis as an Argo AnalysisTemplate: each check every `interval`, rolled back after `threshold`
    /// failures (`failureLimit` counts the failures allowed).
    private mutating func exportAnalysisTemplate(_ analysis: Rollout.Analysis, path: String, name: String,
                                                 service: String, _ loaded: LoadedObject)
    {
        var annotations: [String: String] = [:]
        exportAnalysisLeftovers(analysis, path: path, loaded, annotations: &annotations)
        unmapped(loaded, path + ".webhooks", isDefault: analysis.webhooks.isEmpty, into: &annotations,
                 "Argo Rollouts has no webhooks; write them as analysis steps with a web metric")
        let queries = PrometheusQueries(mesh: options.mesh, namespace: namespace(of: loaded) ?? "default",
                                        service: service, window: analysis.interval.canonicalText)
        let metrics: [CanonicalValue] = analysis.metrics.map { metric in
            let (metricName, condition, query) = switch metric {
            case .successRate(let minimum):
                ("request-success-rate", "result[0] >= \(CompactJSON.text(.decimal(minimum)))", queries.successRate)
            case .latency(let maximum, let percentile):
                ("request-duration", "result[0] <= \(maximum.wholeMilliseconds)", queries.latency(percentile: percentile))
            }
            return .object([
                ("name", .string(metricName)),
                ("interval", .string(analysis.interval.canonicalText)),
                ("failureLimit", .int(max(0, analysis.threshold - 1))),
                ("successCondition", .string(condition)),
                ("provider", .object([("prometheus", .object([("address", .string(queries.address)),
                                                              ("query", .string(query))]))])),
            ])
        }
        emit("argoproj.io/v1alpha1", "AnalysisTemplate", name: name, from: loaded, annotations: annotations,
             body: [("spec", .object([("metrics", .list(metrics))]))])
    }
}
