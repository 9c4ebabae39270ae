import Manifests

/// Flagger Canary, or Argo Rollout with its AnalysisTemplate → Rollout.
extension ImportContext {
    mutating func readCanary(_ canary: KubernetesDocument) {
        let spec = canary.spec
        let target = spec.at("targetRef.name")?.stringValue ?? ""
        let analysis = spec["analysis"] ?? .map([])
        let checks = flaggerAnalysis(analysis, canary)
        var rollout: [(String, CanonicalValue?)] = [
            // Flagger names the routed Service after the target unless `service.name` says otherwise.
            ("trafficSplit", canary.carried["spec.httpRoute"] != nil ? nil : spec.at("service.name") ?? spec.at("targetRef.name")),
            ("progressDeadline", Self.seconds(spec["progressDeadlineSeconds"])),
        ]
        if analysis["iterations"] != nil {
            let hasChecks = !(analysis["metrics"]?.listValue.isEmpty ?? true) || analysis["webhooks"] != nil
            rollout.append(("blueGreen", .object([
                ("activeService", .string("\(target)-primary")), ("previewService", .string(target)),
                ("prePromotionAnalysis", hasChecks ? checks : nil),
            ])))
        } else {
            var strategy: [(String, CanonicalValue?)] = [
                ("stableService", .string("\(target)-primary")), ("canaryService", .string(target)),
            ]
            if let weights = analysis["stepWeights"] {
                strategy.append(("steps", .list(weights.listValue.map { .object([("setWeight", $0)]) })))
            } else {
                strategy += [("stepWeight", analysis["stepWeight"]), ("maxWeight", analysis["maxWeight"])]
            }
            strategy.append(("analysis", checks))
            rollout.append(("canary", .object(strategy)))
        }
        add(.rollout, metadata: canary.meshMetadata(name: canary.name), spec: .object(rollout), from: [canary])
    }

    /// Flagger's analysis: its two built-in metrics (request-duration is the 99th percentile) and webhooks.
    private mutating func flaggerAnalysis(_ analysis: CanonicalValue, _ canary: KubernetesDocument) -> CanonicalValue {
        var metrics: [CanonicalValue] = []
        for metric in analysis["metrics"]?.listValue ?? [] {
            switch metric["name"]?.stringValue {
            case "request-success-rate":
                metrics.append(.object([("name", .string("request-success-rate")),
                                        ("thresholdRange", .object([("min", metric.at("thresholdRange.min"))]))]))
            case "request-duration":
                metrics.append(.object([("name", .string("request-duration")),
                                        ("thresholdRange", .object([("max", metric.at("thresholdRange.max"))])),
                                        ("percentile", .int(99))]))
            default:
                warn(canary, "analysis metric \(metric["name"]?.stringValue ?? "?") is not a built-in meshctl check; not imported")
            }
        }
        let webhooks: [CanonicalValue] = (analysis["webhooks"]?.listValue ?? []).map { hook in
            .object(["name", "type", "url", "timeout"].map { ($0, hook[$0]) })
        }
        return .object([
            ("interval", analysis["interval"]), ("threshold", analysis["threshold"]), ("metrics", .list(metrics)),
            ("webhooks", webhooks.isEmpty ? nil : .list(webhooks)),
        ])
    }

    mutating func readArgoRollout(_ rollout: KubernetesDocument) {
        let spec = rollout.spec
        var carriers = [rollout]
        var body: [(String, CanonicalValue?)] = [
            // A rollout of an HTTPRoute carries `spec.httpRoute`, which takes the split's place.
            ("trafficSplit", rollout.carried["spec.httpRoute"] != nil ? nil
                : spec.at("strategy.canary.trafficRouting.smi.trafficSplitName")
                    ?? spec.at("strategy.canary.trafficRouting.plugins")?[ExportContext.argoGatewayPlugin]?["httpRoute"]),
            ("progressDeadline", Self.seconds(spec["progressDeadlineSeconds"])),
        ]
        if let canary = spec.at("strategy.canary") {
            let steps: [CanonicalValue] = (canary["steps"]?.listValue ?? []).compactMap { step in
                if let weight = step["setWeight"] { return .object([("setWeight", weight)]) }
                if let pause = step["pause"] { return .object([("pause", .object([("duration", Self.duration(pause["duration"]))]))]) }
                warn(rollout, "a canary step other than setWeight or pause has no meshctl counterpart; not imported")
                return nil
            }
            // A linear progression was spelled as steps; the carried stepWeight/maxWeight say so.
            let linear = rollout.carried["spec.canary.stepWeight"] != nil
            let analysis = argoAnalysis(canary, rollout, carriers: &carriers)
            body.append(("canary", .object([
                ("stableService", canary["stableService"]), ("canaryService", canary["canaryService"]),
                ("steps", linear ? nil : .list(steps)), ("analysis", analysis),
            ])))
        } else if let blueGreen = spec.at("strategy.blueGreen") {
            let automatic = blueGreen["autoPromotionEnabled"] != .bool(false)
            body.append(("blueGreen", .object([
                ("activeService", blueGreen["activeService"]), ("previewService", blueGreen["previewService"]),
                ("autoPromotionSeconds", automatic ? blueGreen["autoPromotionSeconds"] ?? .int(0) : nil),
                ("scaleDownDelay", Self.seconds(blueGreen["scaleDownDelaySeconds"])),
                ("prePromotionAnalysis", argoAnalysis(blueGreen, rollout, carriers: &carriers,
                                                      key: "prePromotionAnalysis")),
            ])))
        }
        add(.rollout, metadata: rollout.meshMetadata(name: rollout.name), spec: .object(body), from: carriers)
    }

    /// Argo's pause duration: seconds as a number, or a duration string.
    static func duration(_ value: CanonicalValue?) -> CanonicalValue? {
        if case .int = value { return seconds(value) }
        return value
    }

    /// The analysis of an Argo strategy, from the AnalysisTemplate it names.
    private mutating func argoAnalysis(_ strategy: CanonicalValue, _ rollout: KubernetesDocument,
                                       carriers: inout [KubernetesDocument], key: String = "analysis") -> CanonicalValue?
    {
        guard let name = strategy[key]?["templates"]?.listValue.first?["templateName"]?.stringValue else { return nil }
        guard let template = documents("argoproj.io", "AnalysisTemplate").first(where: {
            $0.name == name && $0.namespace == rollout.namespace
        }) else {
            error(rollout, "spec.strategy", "AnalysisTemplate \(name) is not among the imported objects")
            return nil
        }
        carriers.append(template)
        var metrics: [CanonicalValue] = []
        let all = template.spec["metrics"]?.listValue ?? []
        for metric in all {
            let condition = metric["successCondition"]?.stringValue ?? ""
            let bound = condition.split(separator: " ").last.map(String.init) ?? ""
            let query = metric.at("provider.prometheus.query")?.stringValue ?? ""
            if condition.contains(">="), let minimum = Double(bound) {
                metrics.append(.object([("name", .string("request-success-rate")),
                                        ("thresholdRange", .object([("min", .decimal(minimum))]))]))
            } else if condition.contains("<="), let maximum = Int(bound),
                      let percentile = PrometheusQueries.percentile(of: query) {
                metrics.append(.object([("name", .string("request-duration")),
                                        ("thresholdRange", .object([("max", .int(maximum))])),
                                        ("percentile", .decimal(percentile))]))
            } else {
                warn(template, "metric \(metric["name"]?.stringValue ?? "?") is not a success-rate or latency check meshctl can read; not imported")
            }
        }
        return .object([
            ("interval", all.first?["interval"]),
            ("threshold", all.first?["failureLimit"]?.intValue.map { .int($0 + 1) }),
            ("metrics", .list(metrics)),
        ])
    }
}
