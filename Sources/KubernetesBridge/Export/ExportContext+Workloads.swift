import DurationText
import Manifests

/// Service → Deployment (a command) or EndpointSlices (static endpoints), a core Service, and the mesh's own form of
/// its load balancing and outlier detection.
extension ExportContext {
    /// The pod label Deployments select on and core Services route to.
    static let serviceLabel = "meshctl.dev/service"

    mutating func exportService(_ service: Service, _ loaded: LoadedObject) {
        let name = service.metadata.name
        if name.first.map({ !$0.isLetter }) ?? true {
            error(loaded, "metadata.name", "\"\(name)\" must start with a letter to be a Kubernetes Service name (DNS-1035 label)")
        }
        var annotations = service.metadata.annotations
        carryUnmappedFields(loaded, into: &annotations)
        switch service.spec.workload {
        case .command(let command):
            exportDeployment(service, command, loaded)
        case .endpoints(let endpoints):
            exportEndpointSlices(service, endpoints, loaded)
        case .none:
            break
        }
        exportTrafficPolicy(service, loaded, annotations: &annotations)
        var port: [(String, CanonicalValue?)] = [
            ("name", .string("http")), ("port", .int(service.spec.port)), ("protocol", .string("TCP")),
            // Istio reads http, http2, grpc and tcp as they are; Linkerd detects the protocol and needs only opaque
            // ports named (below).
            ("appProtocol", .string(service.spec.appProtocol.rawValue)),
        ]
        if options.mesh == .linkerd, service.spec.appProtocol == .tcp {
            annotations["config.linkerd.io/opaque-ports"] = String(service.spec.port)
        }
        if service.spec.rateLimit != nil {
            unmapped(loaded, "spec.rateLimit", isDefault: false, into: &annotations,
                     options.mesh == .linkerd
                         ? "Linkerd's HTTPLocalRateLimitPolicy (policy.linkerd.io/v1alpha1) is not written by this export"
                         : "Istio's local rate limit is an EnvoyFilter, which this export does not write")
        }
        var selector: CanonicalValue?
        if case .command = service.spec.workload {
            port.append(("targetPort", .string("http")))
            selector = .object([(Self.serviceLabel, .string(name))])
        }
        emit("v1", "Service", name: name, from: loaded, labels: service.metadata.labels, annotations: annotations,
             body: [("spec", .object([("type", .string("ClusterIP")), ("selector", selector),
                                      ("ports", .list([.object(port)]))]))])
    }

    private mutating func exportDeployment(_ service: Service, _ command: Service.Command, _ loaded: LoadedObject) {
        let name = service.metadata.name
        guard let image = options.images.images[name] else {
            let location = options.images.file.map { " in \($0)" } ?? " (no --image-map given)"
            error(loaded, "spec.command", "Service \(name) has no image in the image map\(location): add `\(name): REGISTRY/IMAGE:TAG`")
            return
        }
        var env = command.env
        var annotations = [Self.annotationPrefix + "command": CompactJSON.text(.strings(command.argv))]
        if let written = env["PORT"], written != String(service.spec.port) {
            // meshctl sets PORT itself, as the Deployment does: the written value is used nowhere.
            warn(loaded, "spec.env.PORT", "PORT is the Service's port (\(service.spec.port)) on this machine and in "
                     + "the cluster; \"\(written)\" is kept in annotation \(Self.annotationPrefix)spec.env.PORT for "
                     + "meshctl import")
            keep(loaded, "spec.env.PORT", into: &annotations)
        }
        env["PORT"] = String(service.spec.port)
        var container: [(String, CanonicalValue?)] = [
            ("name", .string(name)), ("image", .string(image)), ("workingDir", .text(command.workingDir)),
            ("ports", .list([.object([("name", .string("http")), ("containerPort", .int(service.spec.port)),
                                      ("protocol", .string("TCP"))])])),
            ("env", .list(env.keys.sorted().map { .object([("name", .string($0)), ("value", .string(env[$0]!))]) })),
        ]
        container.append(("readinessProbe", readiness(service, command, loaded, annotations: &annotations)))
        let podLabels = [Self.serviceLabel: name].merging(meshPodLabels) { first, _ in first }
        let template = CanonicalValue.object([
            ("metadata", .object([("labels", .sortedStrings(podLabels)), ("annotations", .sortedStrings(meshPodAnnotations))])),
            ("spec", .object([("serviceAccountName", hasAuthorizationPolicies ? .string(name) : nil),
                              ("containers", .list([.object(container)]))])),
        ])
        if hasAuthorizationPolicies {
            emit("v1", "ServiceAccount", name: name, from: loaded, body: [])
        }
        emit("apps/v1", "Deployment", name: name, from: loaded, labels: service.metadata.labels,
             annotations: annotations,
             body: [("spec", .object([("replicas", command.autoscale == nil ? .int(command.replicas) : nil),
                                      ("selector", .object([("matchLabels", .object([(Self.serviceLabel, .string(name))]))])),
                                      ("template", template)]))])
        if let autoscale = command.autoscale { exportAutoscaler(name, autoscale, loaded) }
    }

    /// Linkerd injects pods annotated so; Istio pods labelled so.
    private var meshPodAnnotations: [String: String] {
        options.mesh == .linkerd ? ["linkerd.io/inject": "enabled"] : [:]
    }

    private var meshPodLabels: [String: String] {
        options.mesh == .istio ? ["sidecar.istio.io/inject": "true"] : [:]
    }

    /// healthCheck → readinessProbe (`httpGet`, or Kubernetes' own `grpc` probe for a gRPC check, which names the
    /// port by number). Probes count whole seconds: a finer interval or timeout is rounded up, warned about and kept.
    mutating func probe(_ check: Service.HealthCheck, _ loaded: LoadedObject, port: Int,
                                annotations: inout [String: String]) -> CanonicalValue
    {
        for (field, value) in [("interval", check.interval), ("timeout", check.timeout)] where !value.isWholeSeconds {
            let path = "spec.healthCheck.\(field)"
            warn(loaded, path, "Kubernetes probes count whole seconds: \(value.canonicalText) becomes "
                     + "\(value.secondsRoundedUp)s; kept in annotation \(Self.annotationPrefix)\(path) for meshctl import")
            keep(loaded, path, into: &annotations)
        }
        let action: (String, CanonicalValue?) = check.grpc.map {
            ("grpc", .object([("port", .int(port)), ("service", .string($0.service))]))
        } ?? ("httpGet", .object([("path", .string(check.path)), ("port", .string("http"))]))
        return .object([
            action,
            ("periodSeconds", .int(check.interval.secondsRoundedUp)),
            ("timeoutSeconds", .int(check.timeout.secondsRoundedUp)),
            ("successThreshold", .int(check.healthyThreshold)),
            ("failureThreshold", .int(check.unhealthyThreshold)),
        ])
    }

    /// Static endpoints → one EndpointSlice each (in order), owned by the selector-less core Service.
    private mutating func exportEndpointSlices(_ service: Service, _ endpoints: [Service.Endpoint],
                                               _ loaded: LoadedObject)
    {
        let name = service.metadata.name
        for (offset, endpoint) in endpoints.enumerated() {
            let type = endpoint.host.contains(":") ? "IPv6"
                : endpoint.host.allSatisfy({ $0.isNumber || $0 == "." }) ? "IPv4" : "FQDN"
            if endpoint.host.hasPrefix("127.") || endpoint.host == "localhost" || endpoint.host == "::1" {
                warn(loaded, "spec.endpoints[\(offset)]",
                     "\(endpoint) is a loopback address: in a cluster it reaches the calling pod itself, not this machine")
            }
            emit("discovery.k8s.io/v1", "EndpointSlice", name: "\(name)-\(offset)", from: loaded,
                 labels: ["kubernetes.io/service-name": name, "endpointslice.kubernetes.io/managed-by": "meshctl.dev"],
                 body: [("addressType", .string(type)),
                        ("endpoints", .list([.object([("addresses", .strings([endpoint.host]))])])),
                        ("ports", .list([.object([("name", .string("http")), ("port", .int(endpoint.port)),
                                                  ("protocol", .string("TCP"))])]))])
        }
    }
}
