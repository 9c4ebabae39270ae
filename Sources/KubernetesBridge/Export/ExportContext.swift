import DurationText
import Manifests

/// The state of one export: the options, the whole mesh for lookups, where fields were written, and what has been
/// produced and reported so far.
struct ExportContext {
    static let annotationPrefix = "meshctl.dev/"

    let options: ExportOptions
    let locator: SourceLocator
    let services: [String: LoadedObject]
    /// Root services of TrafficSplits.
    let splitRoots: Set<String>
    /// Parent services of HTTPRoutes.
    let routeParents: Set<String>
    /// With an AuthorizationPolicy in the set, every Deployment runs as a ServiceAccount named after its Service:
    /// the identity the cluster's mesh authorizes callers by.
    let hasAuthorizationPolicies: Bool
    var objects: [KubernetesObject] = []
    var diagnostics: [Diagnostic] = []

    init(options: ExportOptions, mesh: [LoadedObject], locator: SourceLocator) {
        self.options = options
        self.locator = locator
        var services: [String: LoadedObject] = [:]
        for loaded in mesh where loaded.object.kind == .service { services[loaded.object.name] = loaded }
        self.services = services
        splitRoots = Set(mesh.compactMap { $0.object.trafficSplit?.spec.service })
        routeParents = Set(mesh.compactMap { $0.object.httpRoute }.flatMap { $0.spec.parentRefs.map(\.name) })
        hasAuthorizationPolicies = mesh.contains { $0.object.kind == .authorizationPolicy }
    }

    func namespace(of loaded: LoadedObject) -> String? {
        options.namespace ?? loaded.object.metadata.namespace
    }

    /// The in-cluster DNS name of a Service (Istio hosts, Linkerd ServiceProfile names).
    func host(_ service: String, of loaded: LoadedObject) -> String {
        "\(service).\(namespace(of: loaded) ?? "default").svc.cluster.local"
    }

    func port(of service: String) -> Int? {
        services[service]?.object.service?.spec.port
    }

    mutating func emit(
        _ apiVersion: String, _ kind: String, name: String, from loaded: LoadedObject,
        labels: [String: String] = [:], annotations: [String: String] = [:], body: [(String, CanonicalValue?)]
    ) {
        let metadata = CanonicalValue.object([
            ("name", .string(name)),
            ("namespace", .text(namespace(of: loaded))),
            ("labels", .sortedStrings(labels)),
            ("annotations", .sortedStrings(annotations)),
        ])
        let value = CanonicalValue.object([("apiVersion", .string(apiVersion)), ("kind", .string(kind)),
                                           ("metadata", metadata)] + body)
        objects.append(KubernetesObject(apiVersion: apiVersion, kind: kind, name: name, value: value,
                                        origin: loaded.object.key))
    }

    func written(_ loaded: LoadedObject, _ path: String) -> Bool {
        locator.isWritten(path, in: loaded.source)
    }

    mutating func report(_ loaded: LoadedObject, _ path: String, _ message: String, _ severity: Diagnostic.Severity) {
        diagnostics.append(Diagnostic(file: loaded.source.file, mark: locator.mark(of: path, in: loaded.source),
                                      path: path, message: message, severity: severity))
    }

    mutating func warn(_ loaded: LoadedObject, _ path: String, _ message: String) {
        report(loaded, path, message, .warning)
    }

    mutating func error(_ loaded: LoadedObject, _ path: String, _ message: String) {
        report(loaded, path, message, .error)
    }

    /// A field the target has no place for: kept in an annotation (so `meshctl import` gets it back) when it is not
    /// the default, and reported as a warning when it was written or is not the default — never dropped silently.
    mutating func unmapped(
        _ loaded: LoadedObject, _ path: String, isDefault: Bool, into annotations: inout [String: String],
        _ reason: String
    ) {
        if !isDefault { keep(loaded, path, into: &annotations) }
        guard !isDefault || written(loaded, path) else { return }
        let kept = isDefault ? "" : "; kept in annotation \(Self.annotationPrefix)\(path) for meshctl import"
        warn(loaded, path, "not enforced in the cluster: \(reason)\(kept)")
    }

    /// Keeps a field whose Kubernetes form is exact but does not say the meshctl spelling (no warning).
    func keep(_ loaded: LoadedObject, _ path: String, into annotations: inout [String: String]) {
        if let value = loaded.object.canonical.at(path) {
            annotations[Self.annotationPrefix + path] = CompactJSON.text(value)
        }
    }
}

extension Duration {
    /// Whole seconds, rounded up (Kubernetes probe and deadline fields count seconds; 0 is never meant).
    var secondsRoundedUp: Int {
        let milliseconds = wholeMilliseconds
        return Int(max(1, (milliseconds + 999) / 1000))
    }

    var isWholeSeconds: Bool { wholeMilliseconds % 1000 == 0 && wholeMilliseconds > 0 }
}
