extension Rollout.Spec {
    init(decoding spec: inout FieldReader) {
        let context = spec.context
        let httpRoute = spec.contains("httpRoute") ? spec.name("httpRoute") : nil
        let trafficSplit = httpRoute == nil ? spec.name("trafficSplit") ?? "" : ""
        if httpRoute != nil, let node = spec.value("trafficSplit") {
            context.error(node.mark, spec.fieldPath("trafficSplit"), "a rollout moves either a trafficSplit or an httpRoute, not both")
        }
        let progressDeadline = spec.duration("progressDeadline", default: .seconds(600), minimum: .seconds(1))
        let canaryNode = spec.value("canary")
        let blueGreenNode = spec.value("blueGreen")
        var strategy = Rollout.Strategy.canary(.init(stableService: "", canaryService: "", progression: .steps([])))
        switch (canaryNode, blueGreenNode) {
        case (.some, .some):
            context.error(
                blueGreenNode!.mark,
                spec.fieldPath("blueGreen"),
                "a rollout has either canary or blueGreen, not both"
            )
        case (nil, nil):
            context.error(spec.mark, spec.path, "needs a strategy: canary or blueGreen")
        case (let node?, nil):
            if var reader = FieldReader(node, path: spec.fieldPath("canary"), context: context) {
                strategy = .canary(Rollout.Canary(decoding: &reader))
                reader.finish()
            }
        case (nil, let node?):
            if var reader = FieldReader(node, path: spec.fieldPath("blueGreen"), context: context) {
                strategy = .blueGreen(Rollout.BlueGreen(decoding: &reader))
                reader.finish()
            }
        }
        self.init(trafficSplit: trafficSplit, httpRoute: httpRoute, progressDeadline: progressDeadline, strategy: strategy)
    }
}

extension Rollout.Canary {
    init(decoding reader: inout FieldReader) {
        let context = reader.context
        let stable = reader.name("stableService") ?? ""
        let canary = reader.name("canaryService") ?? ""
        let stepsNode = reader.value("steps")
        let stepWeightNode = reader.value("stepWeight")
        let maxWeightNode = reader.value("maxWeight")
        var progression = Rollout.Progression.steps([])
        if let stepsNode {
            if let node = stepWeightNode ?? maxWeightNode {
                context.error(
                    node.mark,
                    reader.fieldPath(stepWeightNode != nil ? "stepWeight" : "maxWeight"),
                    "use either steps or stepWeight and maxWeight, not both"
                )
            }
            let path = reader.fieldPath("steps")
            var steps: [Rollout.Step] = []
            if let items = context.list(stepsNode, path) {
                if items.isEmpty { context.error(stepsNode.mark, path, "must list at least one step") }
                for (index, item) in items.enumerated() {
                    if let step = Self.step(item, FieldPath.index(path, index), context) { steps.append(step) }
                }
            }
            progression = .steps(steps)
        } else if stepWeightNode != nil || maxWeightNode != nil {
            let stepWeight = stepWeightNode.flatMap { context.int($0, reader.fieldPath("stepWeight"), 1...100) }
            let maxWeight = maxWeightNode.flatMap { context.int($0, reader.fieldPath("maxWeight"), 1...100) } ?? 50
            if stepWeightNode == nil {
                context.error(reader.mark, reader.fieldPath("stepWeight"), "required field is missing")
            }
            if let stepWeight, let stepWeightNode, stepWeight > maxWeight {
                context.error(
                    stepWeightNode.mark,
                    reader.fieldPath("stepWeight"),
                    "must not be more than maxWeight (\(maxWeight))"
                )
            }
            progression = .linear(stepWeight: stepWeight ?? 1, maxWeight: maxWeight)
        } else {
            context.error(reader.mark, reader.path, "needs steps, or stepWeight and maxWeight")
        }
        let analysis = reader.mapping("analysis") { Rollout.Analysis(decoding: &$0) } ?? .init()
        let affinity = reader.mapping("sessionAffinity") { Rollout.SessionAffinity(decoding: &$0) }
        self.init(stableService: stable, canaryService: canary, progression: progression, analysis: analysis,
                  sessionAffinity: affinity)
    }

    /// `- setWeight: 20` or `- pause: {duration: 1m}` or `- pause: {}` (wait for promote).
    static func step(_ node: Node, _ path: String, _ context: DecodeContext) -> Rollout.Step? {
        guard var reader = FieldReader(node, path: path, context: context) else { return nil }
        defer { reader.finish() }
        for (kind, others) in [("setHeaderRoute", ["setMirrorRoute", "setWeight", "pause"]),
                               ("setMirrorRoute", ["setWeight", "pause"])] where reader.contains(kind) {
            let step: Rollout.Step? = kind == "setHeaderRoute"
                ? reader.mapping(kind, required: true) { Rollout.HeaderRoute(decoding: &$0) }.map { .setHeaderRoute($0) }
                : reader.mapping(kind, required: true) { Rollout.MirrorRoute(decoding: &$0) }.map { .setMirrorRoute($0) }
            for other in others where reader.contains(other) {
                if let node = reader.value(other) { context.error(node.mark, reader.fieldPath(other), Self.oneKind) }
            }
            return step
        }
        let hasWeight = reader.contains("setWeight")
        let hasPause = reader.contains("pause")
        if hasWeight && hasPause {
            context.error(node.mark, path, "a step is either setWeight or pause, not both")
            _ = reader.value("setWeight")
            _ = reader.value("pause")
            return nil
        }
        if hasWeight {
            guard let weightNode = reader.required("setWeight") else { return nil }
            return context.int(weightNode, reader.fieldPath("setWeight"), 0...100).map { .setWeight($0) }
        }
        if hasPause {
            let duration = reader.mapping("pause") { $0.duration("duration", minimum: .milliseconds(1)) }
            _ = reader.value("pause")
            return .pause(duration)
        }
        _ = reader.value("setWeight")
        _ = reader.value("pause")
        context.error(node.mark, path, "a step needs setWeight, pause, setHeaderRoute or setMirrorRoute")
        return nil
    }

    static let oneKind = "a step has one kind: setHeaderRoute, setMirrorRoute, setWeight or pause"
}

extension Rollout.Analysis {
    init(decoding reader: inout FieldReader) {
        let context = reader.context
        let defaults = Self()
        let interval = reader.duration("interval", default: defaults.interval, minimum: .milliseconds(100))
        let threshold = reader.int("threshold", 1...1000, default: defaults.threshold)
        let minRequests = reader.int("minRequests", 0...1_000_000_000, default: defaults.minRequests)
        var metrics = defaults.metrics
        if let node = reader.value("metrics"), let items = context.list(node, reader.fieldPath("metrics")) {
            metrics = []
            for (index, item) in items.enumerated() {
                if let metric = Self.metric(item, FieldPath.index(reader.fieldPath("metrics"), index), context) {
                    metrics.append(metric)
                }
            }
        }
        var webhooks: [Rollout.Webhook] = []
        for (node, path) in reader.list("webhooks") {
            guard var hook = FieldReader(node, path: path, context: context) else { continue }
            let name = hook.name("name", track: false) ?? ""
            var type = Rollout.Webhook.Kind.preRollout
            if let typeNode = hook.required("type") {
                type = context.word(typeNode, hook.fieldPath("type"), as: Rollout.Webhook.Kind.self) ?? type
            }
            var url = ""
            if let urlNode = hook.required("url"), let text = context.nonEmptyString(urlNode, hook.fieldPath("url")) {
                url = text
                if !(text.hasPrefix("http://") || text.hasPrefix("https://")) {
                    context.error(urlNode.mark, hook.fieldPath("url"), "must be an http:// or https:// URL")
                }
            }
            let timeout = hook.duration("timeout", default: .seconds(10), minimum: .milliseconds(1))
            hook.finish()
            webhooks.append(.init(name: name, type: type, url: url, timeout: timeout))
        }
        self.init(
            interval: interval,
            threshold: threshold,
            minRequests: minRequests,
            metrics: metrics,
            webhooks: webhooks
        )
    }

    static let metricNames = ["request-success-rate", "request-duration"]

    /// Flagger's shape: `{name: request-success-rate, thresholdRange: {min: 99}}` or
    /// `{name: request-duration, thresholdRange: {max: 500}, percentile: 99}` (max in milliseconds, or a duration).
    static func metric(_ node: Node, _ path: String, _ context: DecodeContext) -> Rollout.Metric? {
        guard var reader = FieldReader(node, path: path, context: context) else { return nil }
        defer { reader.finish() }
        guard let nameNode = reader.required("name"), let name = context.string(nameNode, reader.fieldPath("name"))
        else {
            return nil
        }
        switch name {
        case "request-success-rate":
            let minimum = reader.mapping("thresholdRange", required: true) { range in
                range.decimal("min", 0...100, default: 99)
            }
            return minimum.map { .successRate(min: $0) }
        case "request-duration":
            let percentile = reader.decimal("percentile", 1...100, default: 99)
            let maximum = reader.mapping("thresholdRange", required: true) { range -> Duration? in
                guard let maxNode = range.required("max") else { return nil }
                if let scalar = maxNode.scalar, scalar.style == .plain, let ms = DecodeContext.parseInt(scalar.text) {
                    guard ms >= 1 else {
                        context.error(
                            maxNode.mark,
                            range.fieldPath("max"),
                            "expected at least 1 (milliseconds), got \(ms)"
                        )
                        return nil
                    }
                    return .milliseconds(ms)
                }
                return context.duration(maxNode, range.fieldPath("max"), minimum: .milliseconds(1))
            }
            return maximum.map { .latency(max: $0, percentile: percentile) }
        default:
            // Read the rest so that only the name is reported.
            _ = reader.value("thresholdRange")
            _ = reader.value("percentile")
            let list = metricNames.map { context.quoted($0) }.joined(separator: ", ")
            context.error(
                nameNode.mark,
                reader.fieldPath("name"),
                "unknown metric \(context.quoted(name))\(Suggestion.suffix(for: name, in: metricNames)) (expected \(list))"
            )
            return nil
        }
    }
}

extension Rollout.BlueGreen {
    init(decoding reader: inout FieldReader) {
        let context = reader.context
        let active = reader.name("activeService") ?? ""
        let preview = reader.name("previewService") ?? ""
        let previewMode =
            reader.mapping("preview") { modeReader -> Rollout.Preview in
                let headerNode = modeReader.value("header")
                let portNode = modeReader.value("port")
                if headerNode != nil, let portNode {
                    context.error(
                        portNode.mark,
                        modeReader.fieldPath("port"),
                        "preview is either a header or a port, not both"
                    )
                }
                if let portNode {
                    modeReader.track("port", portNode)
                    return .port(context.int(portNode, modeReader.fieldPath("port"), 1...65535) ?? 0)
                }
                let header = modeReader.mapping("header") { header -> Rollout.Preview in
                    let name = header.string("name") ?? "x-mesh-preview"
                    let value = header.string("value") ?? "1"
                    return .header(name: name.lowercased(), value: value)
                }
                return header ?? .header(name: "x-mesh-preview", value: "1")
            } ?? .header(name: "x-mesh-preview", value: "1")
        let autoPromotionSeconds = reader.int("autoPromotionSeconds", 0...86_400)
        let scaleDownDelay = reader.duration("scaleDownDelay", default: .seconds(30))
        let analysis = reader.mapping("prePromotionAnalysis") { Rollout.Analysis(decoding: &$0) }
        self.init(
            activeService: active,
            previewService: preview,
            preview: previewMode,
            autoPromotionSeconds: autoPromotionSeconds,
            scaleDownDelay: scaleDownDelay,
            prePromotionAnalysis: analysis
        )
    }
}
