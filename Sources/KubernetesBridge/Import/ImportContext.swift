import Manifests

/// The state of one import: every document read, the meshctl objects built so far and what was reported.
struct ImportContext {
    struct MeshObject {
        /// The Kubernetes object it was read from, for errors meshctl's checks find in it.
        var file: String
        var mark: Mark
        var value: CanonicalValue
    }

    let documents: [KubernetesDocument]
    var objects: [MeshObject] = []
    var diagnostics: [Diagnostic] = []
    /// Kinds read as part of another object (a Deployment with its Service, an AnalysisTemplate with its Rollout).
    static let partKinds: Set<String> = ["apps/Deployment", "discovery.k8s.io/EndpointSlice",
                                         "networking.istio.io/DestinationRule", "argoproj.io/AnalysisTemplate",
                                         "/ServiceAccount", "policy.linkerd.io/Server",
                                         "policy.linkerd.io/MeshTLSAuthentication", "policy.linkerd.io/NetworkAuthentication",
                                         "autoscaling/HorizontalPodAutoscaler", "policy.linkerd.io/HTTPRoute"]

    init(documents: [KubernetesDocument]) {
        self.documents = documents
    }

    mutating func readAll() {
        for document in documents {
            switch (document.group, document.kind) {
            case ("", "Service"): readService(document)
            case ("gateway.networking.k8s.io", _) where document.labels[ExportContext.manifestLabel] == "true":
                readGatewayAPIManifest(document)
            case ("gateway.networking.k8s.io", "HTTPRoute"): readHTTPRoute(document)
            case ("split.smi-spec.io", "TrafficSplit"): readSMISplit(document)
            case ("specs.smi-spec.io", "HTTPRouteGroup"): readRouteGroup(document)
            case ("networking.istio.io", "VirtualService"): readVirtualService(document)
            case ("linkerd.io", "ServiceProfile"): readServiceProfile(document)
            case ("security.istio.io", "AuthorizationPolicy"): readIstioAuthorizationPolicy(document)
            case ("policy.linkerd.io", "AuthorizationPolicy"): readLinkerdAuthorizationPolicy(document)
            case ("flagger.app", "Canary"): readCanary(document)
            case ("argoproj.io", "Rollout"): readArgoRollout(document)
            case ("", "ConfigMap") where document.labels[ExportContext.manifestLabel] == "true":
                readCarriedManifest(document)
            default:
                if !Self.partKinds.contains("\(document.group)/\(document.kind)") {
                    warn(document, "\(document.kind)/\(document.name) (\(document.apiVersion)) has no meshctl counterpart; not imported")
                }
            }
        }
    }

    func documents(_ group: String, _ kind: String) -> [KubernetesDocument] {
        documents.filter { $0.is(group, kind) }
    }

    mutating func warn(_ document: KubernetesDocument, _ message: String) {
        diagnostics.append(Diagnostic(file: document.file, mark: document.mark, message: message, severity: .warning))
    }

    mutating func error(_ document: KubernetesDocument, _ path: String, _ message: String) {
        diagnostics.append(Diagnostic(file: document.file, mark: document.mark, path: path, message: message))
    }

    /// Adds a meshctl object, with the fields `from` documents carried in their annotations put back.
    mutating func add(_ kind: ManifestKind, apiVersion: String = APIVersion.mesh, metadata: CanonicalValue,
                      spec: CanonicalValue, from carriers: [KubernetesDocument])
    {
        var object = CanonicalValue.object([("apiVersion", .string(apiVersion)), ("kind", .string(kind.rawValue)),
                                            ("metadata", metadata), ("spec", spec)])
        for carrier in carriers {
            for (path, text) in carrier.carried.sorted(by: { $0.key < $1.key }) where path.hasPrefix("spec.") {
                guard let value = CompactJSON.value(text) else {
                    error(carrier, "metadata.annotations", "\(ExportContext.annotationPrefix)\(path) is not valid JSON")
                    continue
                }
                object = object.setting(path.split(separator: ".").map(String.init), to: value)
            }
        }
        objects.append(MeshObject(file: carriers.first?.file ?? "", mark: carriers.first?.mark ?? Mark(line: 1, column: 1),
                                  value: object))
    }

    /// A whole meshctl object an export carried in a ConfigMap (a kind it has no mapping for).
    mutating func readCarriedManifest(_ document: KubernetesDocument) {
        let text = document.value.at("data")?["manifest.yaml"]?.stringValue ?? ""
        let result = YAMLLoader().load(Array(text.utf8), file: document.file)
        guard result.diagnostics.isEmpty, let root = result.documents.first?.root else {
            error(document, "data", "manifest.yaml is not a meshctl manifest")
            return
        }
        objects.append(MeshObject(file: document.file, mark: document.mark, value: root.canonicalValue))
    }

    /// A Gateway API object meshctl exported as written (labelled): read back as written, without the label.
    mutating func readGatewayAPIManifest(_ document: KubernetesDocument) {
        var value = document.value.setting(["status"], to: nil)
        var labels = document.labels
        labels[ExportContext.manifestLabel] = nil
        value = value.setting(["metadata"], to: .object([
            ("name", .string(document.name)),
            ("namespace", document.namespace.map { .string($0) }),
            ("labels", labels.isEmpty ? nil : .object(labels.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("annotations", document.value.at("metadata.annotations")),
        ]))
        objects.append(MeshObject(file: document.file, mark: document.mark, value: value))
    }

    /// `10` → `10s` (Kubernetes counts seconds where meshctl writes durations).
    static func seconds(_ value: CanonicalValue?) -> CanonicalValue? {
        value?.intValue.map { .string("\($0)s") }
    }
}
