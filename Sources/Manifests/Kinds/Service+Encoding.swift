extension Service {
    /// The canonical form, every default filled in.
    public var canonical: CanonicalValue {
        var spec = CanonicalMap()
        spec.add("port", .int(self.spec.port))
        spec.add("appProtocol", .string(self.spec.appProtocol.rawValue))
        switch self.spec.workload {
        case .command(let command):
            spec.add("command", .strings(command.argv))
            if command.autoscale == nil { spec.add("replicas", .int(command.replicas)) }
            spec.add("env", command.env)
            spec.add("workingDir", command.workingDir)
            spec.add("terminationGracePeriod", command.terminationGracePeriod)
            spec.add("readinessProbe", command.readinessProbe?.canonical)
            spec.add("autoscale", command.autoscale?.canonical)
        case .endpoints(let endpoints):
            spec.add("endpoints", .strings(endpoints.map(\.description)))
        case .none:
            break
        }
        if let check = self.spec.healthCheck {
            var map = CanonicalMap()
            if let grpc = check.grpc {
                var call = CanonicalMap()
                call.add("service", .string(grpc.service))
                map.add("grpc", call.value)
            } else {
                map.add("path", .string(check.path))
            }
            map.add("interval", .duration(check.interval))
            map.add("timeout", .duration(check.timeout))
            map.add("healthyThreshold", .int(check.healthyThreshold))
            map.add("unhealthyThreshold", .int(check.unhealthyThreshold))
            spec.add("healthCheck", map.value)
        }
        spec.add("loadBalancer", .string(self.spec.loadBalancer.rawValue))
        if let outlier = self.spec.outlierDetection {
            var map = CanonicalMap()
            map.add("consecutive5xxErrors", .int(outlier.consecutive5xxErrors))
            map.add("consecutiveGatewayErrors", .int(outlier.consecutiveGatewayErrors))
            map.add("interval", .duration(outlier.interval))
            map.add("baseEjectionTime", .duration(outlier.baseEjectionTime))
            map.add("maxEjectionPercent", .int(outlier.maxEjectionPercent))
            spec.add("outlierDetection", map.value)
        }
        var pool = CanonicalMap()
        pool.add("maxConnections", .int(self.spec.connectionPool.maxConnections))
        pool.add("maxPendingRequests", .int(self.spec.connectionPool.maxPendingRequests))
        pool.add("maxRequestsPerConnection", .int(self.spec.connectionPool.maxRequestsPerConnection))
        spec.add("connectionPool", pool.value)
        if let limit = self.spec.rateLimit { spec.add("rateLimit", limit.canonical) }
        if let registration = self.spec.registration {
            spec.add("registration", .map([.init("allowed", .bool(registration.allowed))]))
        }
        spec.add("mtls", self.spec.mtls?.rawValue)
        if let upstreams = self.spec.upstreams { spec.add("upstreams", .strings(upstreams)) }
        return ManifestObject.envelope(apiVersion: apiVersion, kind: .service, metadata: metadata, spec: spec.value)
    }
}
