import DurationText

extension Service.Spec {
    /// Decodes `spec`; values that fail to decode are reported and replaced by defaults (the object is then dropped).
    init(decoding spec: inout FieldReader) {
        let context = spec.context
        let portNode = spec.required("port")
        var port = 0
        if let portNode {
            spec.track("port", portNode)
            port = context.int(portNode, spec.fieldPath("port"), 1...65535) ?? 0
        }

        let appProtocol = spec.word("appProtocol", default: Service.AppProtocol.http)

        let commandNode = spec.value("command")
        let replicasNode = spec.value("replicas")
        let envNode = spec.value("env")
        let workingDirNode = spec.value("workingDir")
        let graceNode = spec.value("terminationGracePeriod")
        let readinessNode = spec.value("readinessProbe")
        let autoscaleNode = spec.value("autoscale")
        let endpointsNode = spec.value("endpoints")
        var workload = Service.Workload.none
        if let commandNode {
            let path = spec.fieldPath("command")
            var argv: [String] = []
            if let items = context.list(commandNode, path) {
                if items.isEmpty { context.error(commandNode.mark, path, "must name a program to run") }
                for (index, item) in items.enumerated() {
                    if let arg = context.string(item, FieldPath.index(path, index)) { argv.append(arg) }
                }
            }
            var replicas = replicasNode.flatMap { context.int($0, spec.fieldPath("replicas"), 0...64) } ?? 1
            let env = envNode.flatMap { context.stringMap($0, spec.fieldPath("env")) } ?? [:]
            let workingDir = workingDirNode.flatMap { Self.workingDir($0, spec.fieldPath("workingDir"), context) }
            let grace = graceNode.flatMap { Self.terminationGracePeriod($0, spec.fieldPath("terminationGracePeriod"), context) }
            let readiness = readinessNode.flatMap { _ in
                spec.mapping("readinessProbe") { reader in Service.ReadinessProbe(decoding: &reader) }
            }
            let autoscale = autoscaleNode.flatMap { _ in
                spec.mapping("autoscale") { reader in Service.Autoscale(decoding: &reader) }
            }
            if autoscaleNode != nil, let replicasNode {
                context.error(replicasNode.mark, spec.fieldPath("replicas"), Service.Autoscale.replicasConflict)
            }
            if let autoscale { replicas = autoscale.min }  // until the autoscaler has a rate to go by
            workload = .command(Service.Command(argv: argv, replicas: replicas, env: env, workingDir: workingDir,
                                                terminationGracePeriod: grace, readinessProbe: readiness,
                                                autoscale: autoscale))
            if let endpointsNode {
                context.error(
                    endpointsNode.mark,
                    spec.fieldPath("endpoints"),
                    "a service has either a command or endpoints, not both"
                )
            }
        } else {
            for (key, node) in [("replicas", replicasNode), ("env", envNode), ("workingDir", workingDirNode),
                                ("terminationGracePeriod", graceNode), ("readinessProbe", readinessNode),
                                ("autoscale", autoscaleNode)] {
                if let node { context.error(node.mark, spec.fieldPath(key), "only allowed together with command") }
            }
            if let endpointsNode {
                let path = spec.fieldPath("endpoints")
                var endpoints: [Service.Endpoint] = []
                if let items = context.list(endpointsNode, path) {
                    if items.isEmpty { context.error(endpointsNode.mark, path, "must list at least one host:port") }
                    for (index, item) in items.enumerated() {
                        if let endpoint = Self.endpoint(item, FieldPath.index(path, index), context) {
                            endpoints.append(endpoint)
                        }
                    }
                }
                workload = .endpoints(endpoints)
            }
        }

        let healthCheck = Self.healthCheck(decoding: &spec, appProtocol: appProtocol, workload: workload)
        let loadBalancer = spec.word("loadBalancer", default: Service.LoadBalancer.p2cEWMA)
        let outlierDetection = spec.mapping("outlierDetection") { reader in
            Service.OutlierDetection(decoding: &reader)
        }
        let connectionPool =
            spec.mapping("connectionPool") { reader in Service.ConnectionPool(decoding: &reader) } ?? .init()
        let rateLimit = Self.rateLimit(decoding: &spec, workload: workload)
        let registration = spec.mapping("registration") { reader in
            Service.Registration(allowed: reader.bool("allowed", default: false))
        }
        let mtls = Self.mtls(decoding: &spec, workload: workload)
        let upstreams = Self.upstreams(decoding: &spec, workload: workload)
        self.init(
            port: port,
            appProtocol: appProtocol,
            workload: workload,
            healthCheck: healthCheck,
            loadBalancer: loadBalancer,
            outlierDetection: outlierDetection,
            connectionPool: connectionPool,
            rateLimit: rateLimit,
            registration: registration,
            mtls: mtls,
            upstreams: upstreams
        )
    }

    /// At most an hour: the reconcile pass that stops a replica waits for it.
    static func terminationGracePeriod(_ node: Node, _ path: String, _ context: DecodeContext) -> Duration? {
        guard let grace = context.duration(node, path) else { return nil }
        guard grace <= .seconds(3600) else {
            context.error(node.mark, path, "must be at most 1h, got \(grace.canonicalText)")
            return nil
        }
        return grace
    }

    /// An absolute directory: the operator's own directory is not the user's, so a relative one would mean nothing.
    static func workingDir(_ node: Node, _ path: String, _ context: DecodeContext) -> String? {
        guard let text = context.nonEmptyString(node, path) else { return nil }
        guard text.hasPrefix("/") else {
            context.error(node.mark, path, "must be an absolute path, got \(context.quoted(text))")
            return nil
        }
        return text
    }

    /// `host:port` or `[v6]:port`.
    static func endpoint(_ node: Node, _ path: String, _ context: DecodeContext) -> Service.Endpoint? {
        guard let text = context.string(node, path) else { return nil }
        var host = Substring(text)
        var portText = Substring("")
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix(":") { portText = rest.dropFirst() }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty, !host.contains(" "), let port = Int(portText), (1...65535).contains(port) else {
            context.error(node.mark, path, "expected host:port such as 127.0.0.1:9000, got \(context.quoted(text))")
            return nil
        }
        return Service.Endpoint(host: String(host), port: port)
    }
}

extension Service.HealthCheck {
    init(decoding reader: inout FieldReader) {
        let defaults = Self()
        var path = defaults.path
        let pathNode = reader.value("path")
        let grpc = reader.mapping("grpc") { grpc in Service.HealthCheck.GRPC(service: grpc.string("service") ?? "") }
        if let pathNode, grpc != nil {
            reader.context.error(pathNode.mark, reader.fieldPath("path"),
                                 "a check has either a path or grpc, not both: grpc calls grpc.health.v1.Health/Check")
        }
        if let node = pathNode, let text = reader.context.nonEmptyString(node, reader.fieldPath("path")) {
            path = text
            if !text.hasPrefix("/") {
                reader.context.error(node.mark, reader.fieldPath("path"), "must start with \"/\"")
            }
        }
        let interval = reader.duration("interval", default: defaults.interval, minimum: .milliseconds(100))
        let timeoutNode = reader.value("timeout")
        var timeout = defaults.timeout
        if let timeoutNode,
            let value = reader.context.duration(timeoutNode, reader.fieldPath("timeout"), minimum: .milliseconds(1))
        {
            timeout = value
            if value > interval {
                reader.context.error(timeoutNode.mark, reader.fieldPath("timeout"), "must not be longer than interval")
            }
        }
        self.init(
            path: path,
            interval: interval,
            timeout: timeout,
            healthyThreshold: reader.int("healthyThreshold", 1...100, default: defaults.healthyThreshold),
            unhealthyThreshold: reader.int("unhealthyThreshold", 1...100, default: defaults.unhealthyThreshold),
            grpc: grpc
        )
    }
}

extension Service.OutlierDetection {
    init(decoding reader: inout FieldReader) {
        let defaults = Self()
        self.init(
            consecutive5xxErrors: reader.int("consecutive5xxErrors", 0...1000, default: defaults.consecutive5xxErrors),
            consecutiveGatewayErrors: reader.int(
                "consecutiveGatewayErrors",
                0...1000,
                default: defaults.consecutiveGatewayErrors
            ),
            interval: reader.duration("interval", default: defaults.interval, minimum: .milliseconds(100)),
            baseEjectionTime: reader.duration(
                "baseEjectionTime",
                default: defaults.baseEjectionTime,
                minimum: .milliseconds(1)
            ),
            maxEjectionPercent: reader.int("maxEjectionPercent", 0...100, default: defaults.maxEjectionPercent)
        )
    }
}

extension Service.ConnectionPool {
    init(decoding reader: inout FieldReader) {
        let defaults = Self()
        self.init(
            maxConnections: reader.int("maxConnections", 1...1_000_000, default: defaults.maxConnections),
            maxPendingRequests: reader.int("maxPendingRequests", 0...1_000_000, default: defaults.maxPendingRequests),
            maxRequestsPerConnection: reader.int(
                "maxRequestsPerConnection",
                0...1_000_000,
                default: defaults.maxRequestsPerConnection
            )
        )
    }
}
