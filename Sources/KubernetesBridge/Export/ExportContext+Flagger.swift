import DurationText
import Manifests

/// Rollout → Flagger Canary. Flagger runs the stable version itself (`<target>-primary`, copied from the target
/// Deployment) and generates the routing for the root Service; its built-in checks are request-success-rate and
/// request-duration (p99, milliseconds).
extension ExportContext {
    mutating func exportCanary(_ rollout: Rollout, _ loaded: LoadedObject, root: String,
                               annotations: [String: String])
    {
        var annotations = annotations
        let target = rollout.spec.newService
        let stablePath: String
        var analysis: [(String, CanonicalValue?)]
        switch rollout.spec.strategy {
        case .canary(let canary):
            stablePath = "spec.canary.stableService"
            analysis = [("interval", .string(canary.analysis.interval.canonicalText)),
                        ("threshold", .int(canary.analysis.threshold))]
            switch canary.progression {
            case .linear(let stepWeight, let maxWeight):
                analysis += [("maxWeight", .int(maxWeight)), ("stepWeight", .int(stepWeight))]
            case .steps(let steps):
                let weights = steps.compactMap { if case .setWeight(let weight) = $0 { weight } else { nil } }
                analysis.append(("stepWeights", .list(weights.map { .int($0) })))
                let pauses = steps.count != weights.count
                unmapped(loaded, "spec.canary.steps", isDefault: !pauses, into: &annotations,
                         "Flagger moves to the next weight after each passing interval; pause steps do not map")
            }
            analysis += flaggerChecks(canary.analysis, path: "spec.canary.analysis", loaded, annotations: &annotations)
        case .blueGreen(let blueGreen):
            stablePath = "spec.blueGreen.activeService"
            let checks = blueGreen.prePromotionAnalysis ?? Rollout.Analysis(metrics: [])
            // Flagger's blue-green: `iterations` intervals of analysis against the new version, then promotion.
            let iterations: Int
            if let seconds = blueGreen.autoPromotionSeconds {
                let interval = max(1, checks.interval.wholeMilliseconds / 1000)
                iterations = max(1, Int((Int64(seconds) + interval - 1) / interval))
                keep(loaded, "spec.blueGreen.autoPromotionSeconds", into: &annotations)
            } else {
                iterations = 1
                warn(loaded, "spec.blueGreen", "Flagger promotes after its analysis iterations; to wait for "
                         + "`meshctl rollout promote`, add a confirm-promotion webhook")
            }
            analysis = [("interval", .string(checks.interval.canonicalText)), ("threshold", .int(checks.threshold)),
                        ("iterations", .int(iterations))]
            if blueGreen.prePromotionAnalysis != nil {
                analysis += flaggerChecks(checks, path: "spec.blueGreen.prePromotionAnalysis", loaded,
                                          annotations: &annotations)
            }
            unmapped(loaded, "spec.blueGreen.scaleDownDelay",
                     isDefault: blueGreen.scaleDownDelay == Rollout.BlueGreen(activeService: "", previewService: "").scaleDownDelay,
                     into: &annotations, "Flagger scales the old version down when the promotion finishes")
            exportBlueGreenLeftovers(blueGreen, loaded, annotations: &annotations)
        }
        keep(loaded, stablePath, into: &annotations)
        warn(loaded, stablePath, "Flagger runs the stable version itself, as Deployment \(target)-primary copied from "
                 + "\(target); \(rollout.spec.stableService) is kept in annotation \(Self.annotationPrefix)\(stablePath) "
                 + "for meshctl import")
        var service: [(String, CanonicalValue?)] = [("name", .string(root)), ("port", .number(port(of: root))),
                                                    ("targetPort", .number(port(of: target)))]
        if options.split == .gateway {
            service.append(("gatewayRefs", .list([.object([
                ("name", .string(root)), ("namespace", .text(namespace(of: loaded))), ("group", .string("core")),
                ("kind", .string("Service")), ("port", .number(port(of: root))),
            ])])))
        }
        let provider = options.split == .gateway ? "gatewayapi:v1" : options.mesh.rawValue
        emit("flagger.app/v1beta1", "Canary", name: rollout.metadata.name, from: loaded,
             labels: rollout.metadata.labels, annotations: annotations,
             body: [("spec", .object([
                 ("provider", .string(provider)),
                 ("targetRef", .object([("apiVersion", .string("apps/v1")), ("kind", .string("Deployment")),
                                        ("name", .string(target))])),
                 ("progressDeadlineSeconds", .int(rollout.spec.progressDeadline.secondsRoundedUp)),
                 ("service", .object(service)),
                 ("analysis", .object(analysis)),
             ]))])
    }

    /// Metrics and webhooks of one analysis, in Flagger's words.
    private mutating func flaggerChecks(_ analysis: Rollout.Analysis, path: String, _ loaded: LoadedObject,
                                        annotations: inout [String: String]) -> [(String, CanonicalValue?)]
    {
        exportAnalysisLeftovers(analysis, path: path, loaded, annotations: &annotations)
        let interval = CanonicalValue.string(analysis.interval.canonicalText)
        var metrics: [CanonicalValue] = []
        for metric in analysis.metrics {
            switch metric {
            case .successRate(let minimum):
                metrics.append(.object([("name", .string("request-success-rate")),
                                        ("thresholdRange", .object([("min", .decimal(minimum))])),
                                        ("interval", interval)]))
            case .latency(let maximum, let percentile):
                if percentile != 99 {
                    unmapped(loaded, "\(path).metrics", isDefault: false, into: &annotations,
                             "Flagger's request-duration is the 99th percentile, not the \(CompactJSON.text(.decimal(percentile)))th")
                }
                metrics.append(.object([("name", .string("request-duration")),
                                        ("thresholdRange", .object([("max", .int(Int(maximum.wholeMilliseconds)))])),
                                        ("interval", interval)]))
            }
        }
        let webhooks: [CanonicalValue] = analysis.webhooks.map { hook in
            .object([("name", .string(hook.name)), ("type", .string(hook.type.rawValue)), ("url", .string(hook.url)),
                     ("timeout", .string(hook.timeout.canonicalText))])
        }
        return [("metrics", .list(metrics)), ("webhooks", webhooks.isEmpty ? nil : .list(webhooks))]
    }
}
