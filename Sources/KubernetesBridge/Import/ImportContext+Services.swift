import Manifests

/// core Service (+ its Deployment or EndpointSlices, + Istio DestinationRule or Linkerd failure accrual) → Service.
extension ImportContext {
    static let istioBalancers = Dictionary(uniqueKeysWithValues: ExportContext.istioBalancers.map { ($1, $0.rawValue) })

    mutating func readService(_ service: KubernetesDocument) {
        let name = service.name
        guard let port = service.spec["ports"]?.listValue.first?["port"]?.intValue else {
            error(service, "spec.ports", "a Service needs a port to be a meshctl Service")
            return
        }
        let written = service.spec["ports"]?.listValue.first?["appProtocol"]?.stringValue
        let appProtocol = written == "kubernetes.io/h2c" ? "http2" : written
        var spec: [(String, CanonicalValue?)] = [("port", .int(port)), ("appProtocol", .text(appProtocol))]
        var carriers = [service]
        let deployment = documents("apps", "Deployment").first { $0.name == name && $0.namespace == service.namespace }
        let slices = documents("discovery.k8s.io", "EndpointSlice")
            .filter { $0.labels["kubernetes.io/service-name"] == name && $0.namespace == service.namespace }
        if let deployment {
            carriers.append(deployment)
            let scaling = autoscale(of: deployment)
            spec += workload(deployment, port: port, autoscaled: scaling != nil)
            if let scaling {
                spec.append(("autoscale", scaling.value))
                carriers.append(scaling.carrier)
            }
        } else if !slices.isEmpty {
            spec.append(("endpoints", .list(endpoints(slices))))
        }
        let host = "\(name).\(service.namespace ?? "default").svc.cluster.local"
        if let rule = documents("networking.istio.io", "DestinationRule").first(where: {
            let ruleHost = $0.spec["host"]?.stringValue ?? ""
            return ruleHost == host || ruleHost == name
        }) {
            carriers.append(rule)
            spec += trafficPolicy(rule.spec["trafficPolicy"] ?? .map([]))
        }
        let annotations = service.annotations
        if annotations["balancer.linkerd.io/failure-accrual"] == "consecutive" {
            spec.append(("outlierDetection", .object([
                ("consecutive5xxErrors",
                 .number(annotations["balancer.linkerd.io/failure-accrual-consecutive-max-failures"].flatMap { Int($0) })),
                ("baseEjectionTime", .text(annotations["balancer.linkerd.io/failure-accrual-consecutive-min-penalty"])),
            ])))
        }
        add(.service, metadata: service.meshMetadata(name: name), spec: .object(spec), from: carriers)
    }

    private mutating func workload(_ deployment: KubernetesDocument, port: Int, autoscaled: Bool) -> [(String, CanonicalValue?)] {
        let container = deployment.spec.at("template.spec")?["containers"]?.listValue.first ?? .map([])
        var command = deployment.carried["command"].flatMap(CompactJSON.value)
        if command == nil {
            let argv = (container["command"]?.listValue ?? []) + (container["args"]?.listValue ?? [])
            if argv.isEmpty {
                error(deployment, "spec.template.spec.containers[0].command",
                      "no command to run on this machine: add annotation \(ExportContext.annotationPrefix)command with the argv as a JSON list")
            }
            command = .list(argv)
        }
        var env: [(String, CanonicalValue?)] = []
        for variable in container["env"]?.listValue ?? [] {
            guard let name = variable["name"]?.stringValue, let value = variable["value"]?.stringValue else { continue }
            // meshctl sets PORT itself.
            if name == "PORT", value == String(port) { continue }
            env.append((name, .string(value)))
        }
        var out: [(String, CanonicalValue?)] = [
            // An autoscaled Deployment's count is the HPA's (meshctl refuses replicas beside autoscale).
            ("command", command), ("replicas", autoscaled ? nil : .number(deployment.spec["replicas"]?.intValue ?? 1)),
            ("env", env.isEmpty ? nil : .object(env)), ("workingDir", container["workingDir"]),
        ]
        if let probe = container["readinessProbe"], readsAsReadinessProbe(probe, of: deployment) {
            out.append(("readinessProbe", readinessProbe(probe, of: deployment)))
        } else if let probe = container["readinessProbe"] {
            let grpc = probe["grpc"].map { CanonicalValue.object([("service", $0["service"] ?? .string(""))]) }
            out.append(("healthCheck", .object([
                grpc == nil ? ("path", probe.at("httpGet.path")) : ("grpc", grpc),
                ("interval", Self.seconds(probe["periodSeconds"] ?? .int(10))),
                ("timeout", Self.seconds(probe["timeoutSeconds"] ?? .int(1))),
                ("healthyThreshold", probe["successThreshold"]),
                ("unhealthyThreshold", probe["failureThreshold"]),
            ])))
        }
        return out
    }

    /// EndpointSlices in the order of their names' index (`legacy-0`, `legacy-1`, …).
    private func endpoints(_ slices: [KubernetesDocument]) -> [CanonicalValue] {
        let ordered = slices.sorted {
            let left = Int($0.name.split(separator: "-").last ?? "") ?? 0
            let right = Int($1.name.split(separator: "-").last ?? "") ?? 0
            return (left, $0.name) < (right, $1.name)
        }
        var out: [CanonicalValue] = []
        for slice in ordered {
            let port = slice.value["ports"]?.listValue.first?["port"]?.intValue ?? 80
            for endpoint in slice.value["endpoints"]?.listValue ?? [] {
                for address in endpoint["addresses"]?.listValue.compactMap(\.stringValue) ?? [] {
                    out.append(.string(address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"))
                }
            }
        }
        return out
    }

    private func trafficPolicy(_ policy: CanonicalValue) -> [(String, CanonicalValue?)] {
        var out: [(String, CanonicalValue?)] = []
        if let simple = policy.at("loadBalancer.simple")?.stringValue, let balancer = Self.istioBalancers[simple] {
            out.append(("loadBalancer", .string(balancer)))
        }
        if let pool = policy["connectionPool"] {
            out.append(("connectionPool", .object([
                ("maxConnections", pool.at("tcp.maxConnections")),
                ("maxPendingRequests", pool.at("http.http1MaxPendingRequests")),
                ("maxRequestsPerConnection", pool.at("http.maxRequestsPerConnection")),
            ])))
        }
        if let outlier = policy["outlierDetection"] {
            out.append(("outlierDetection", .object(
                ["consecutive5xxErrors", "consecutiveGatewayErrors", "interval", "baseEjectionTime",
                 "maxEjectionPercent"].map { ($0, outlier[$0]) })))
        }
        return out
    }
}
