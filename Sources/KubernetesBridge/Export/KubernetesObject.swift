import Manifests

/// One Kubernetes object an export writes, and the meshctl object it came from.
public struct KubernetesObject: Sendable, Hashable {
    public var apiVersion: String
    public var kind: String
    public var name: String
    /// The whole object, fields in the order they are printed.
    public var value: CanonicalValue
    /// The meshctl object it maps (several Kubernetes objects may map one).
    public var origin: ObjectKey

    public init(apiVersion: String, kind: String, name: String, value: CanonicalValue, origin: ObjectKey) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.name = name
        self.value = value
        self.origin = origin
    }

    public var yaml: String { ManifestEncoder.yaml(value) }
}

/// What an export produced: the objects in a stable order, and every error and warning.
public struct KubernetesExport: Sendable {
    public var objects: [KubernetesObject]
    /// Errors (nothing should be written) and warnings (fields that do not map), sorted by file and position.
    public var diagnostics: [Diagnostic]

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }

    /// All objects as one multi-document YAML stream.
    public var yaml: String { objects.map(\.yaml).joined(separator: "---\n") }

    /// One file per meshctl object (`service-web.yaml` holds its Deployment and Service), in a stable order.
    public var files: [(name: String, text: String)] {
        var order: [ObjectKey] = []
        var grouped: [ObjectKey: [KubernetesObject]] = [:]
        for object in objects {
            if grouped[object.origin] == nil { order.append(object.origin) }
            grouped[object.origin, default: []].append(object)
        }
        return order.map { key in
            let name = "\(key.kind.rawValue.lowercased())-\(key.name).yaml"
            return (name, grouped[key]!.map(\.yaml).joined(separator: "---\n"))
        }
    }
}
