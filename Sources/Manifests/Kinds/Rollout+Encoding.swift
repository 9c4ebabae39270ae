import DurationText

extension Rollout {
    public var canonical: CanonicalValue {
        var spec = CanonicalMap()
        if let httpRoute = self.spec.httpRoute {
            spec.add("httpRoute", .string(httpRoute))
        } else {
            spec.add("trafficSplit", .string(self.spec.trafficSplit))
        }
        spec.add("progressDeadline", .duration(self.spec.progressDeadline))
        switch self.spec.strategy {
        case .canary(let canary):
            var map = CanonicalMap()
            map.add("stableService", .string(canary.stableService))
            map.add("canaryService", .string(canary.canaryService))
            switch canary.progression {
            case .steps(let steps):
                map.add("steps", .list(steps.map(Self.canonical(step:))))
            case .linear(let stepWeight, let maxWeight):
                map.add("stepWeight", .int(stepWeight))
                map.add("maxWeight", .int(maxWeight))
            }
            map.add("analysis", Self.canonical(analysis: canary.analysis))
            map.add("sessionAffinity", canary.sessionAffinity?.canonical)
            spec.add("canary", map.value)
        case .blueGreen(let blueGreen):
            var map = CanonicalMap()
            map.add("activeService", .string(blueGreen.activeService))
            map.add("previewService", .string(blueGreen.previewService))
            switch blueGreen.preview {
            case .header(let name, let value):
                map.add(
                    "preview",
                    .map([.init("header", .map([.init("name", .string(name)), .init("value", .string(value))]))])
                )
            case .port(let port):
                map.add("preview", .map([.init("port", .int(port))]))
            }
            map.add("autoPromotionSeconds", blueGreen.autoPromotionSeconds)
            map.add("scaleDownDelay", .duration(blueGreen.scaleDownDelay))
            map.add("prePromotionAnalysis", blueGreen.prePromotionAnalysis.map(Self.canonical(analysis:)))
            spec.add("blueGreen", map.value)
        }
        return ManifestObject.envelope(apiVersion: apiVersion, kind: .rollout, metadata: metadata, spec: spec.value)
    }

    static func canonical(step: Step) -> CanonicalValue {
        switch step {
        case .setWeight(let weight):
            return .map([.init("setWeight", .int(weight))])
        case .setHeaderRoute(let route):
            return .map([.init("setHeaderRoute", route.canonical)])
        case .setMirrorRoute(let route):
            return .map([.init("setMirrorRoute", route.canonical)])
        case .pause(let duration):
            var pause = CanonicalMap()
            pause.add("duration", duration)
            return .map([.init("pause", pause.value)])
        }
    }

    static func canonical(analysis: Analysis) -> CanonicalValue {
        var map = CanonicalMap()
        map.add("interval", .duration(analysis.interval))
        map.add("threshold", .int(analysis.threshold))
        map.add("minRequests", .int(analysis.minRequests))
        let metrics: [CanonicalValue] = analysis.metrics.map { metric in
            switch metric {
            case .successRate(let minimum):
                return .map([
                    .init("name", .string("request-success-rate")),
                    .init("thresholdRange", .map([.init("min", .decimal(minimum))])),
                ])
            case .latency(let maximum, let percentile):
                return .map([
                    .init("name", .string("request-duration")),
                    .init("thresholdRange", .map([.init("max", .int(Int(maximum.wholeMilliseconds)))])),
                    .init("percentile", .decimal(percentile)),
                ])
            }
        }
        map.add("metrics", .list(metrics))
        if !analysis.webhooks.isEmpty {
            let hooks: [CanonicalValue] = analysis.webhooks.map { hook in
                .map([
                    .init("name", .string(hook.name)), .init("type", .string(hook.type.rawValue)),
                    .init("url", .string(hook.url)), .init("timeout", .duration(hook.timeout)),
                ])
            }
            map.add("webhooks", .list(hooks))
        }
        return map.value
    }
}
