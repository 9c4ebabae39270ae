import Manifests

/// One object read from a Kubernetes manifest, with where it was read from.
struct KubernetesDocument {
    var file: String
    var mark: Mark
    var value: CanonicalValue

    var apiVersion: String { value["apiVersion"]?.stringValue ?? "" }
    var kind: String { value["kind"]?.stringValue ?? "" }
    var name: String { value.at("metadata.name")?.stringValue ?? "" }
    var namespace: String? { value.at("metadata.namespace")?.stringValue }
    var labels: [String: String] { value.at("metadata.labels")?.stringMap ?? [:] }
    var annotations: [String: String] { value.at("metadata.annotations")?.stringMap ?? [:] }
    var spec: CanonicalValue { value["spec"] ?? .map([]) }
    /// `networking.istio.io/v1` → `networking.istio.io`; `v1` → ``.
    var group: String { apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : "" }

    func `is`(_ group: String, _ kind: String) -> Bool { self.group == group && self.kind == kind }

    /// The meshctl annotations this object carries, without their prefix.
    var carried: [String: String] {
        var out: [String: String] = [:]
        for (key, value) in annotations where key.hasPrefix(ExportContext.annotationPrefix) {
            out[String(key.dropFirst(ExportContext.annotationPrefix.count))] = value
        }
        return out
    }

    /// The annotations a meshctl object keeps: the user's own, not those the export added for the cluster or for
    /// the way back.
    var userAnnotations: [String: String] {
        annotations.filter { key, _ in
            !key.hasPrefix(ExportContext.annotationPrefix) && !key.hasPrefix("balancer.linkerd.io/")
                && key != "config.linkerd.io/opaque-ports"
        }
    }

    /// meshctl metadata for an object named `name` read from this one.
    func meshMetadata(name: String) -> CanonicalValue {
        .object([("name", .string(name)), ("namespace", .text(namespace)), ("labels", .sortedStrings(labels)),
                 ("annotations", .sortedStrings(userAnnotations))])
    }
}

/// `web.default.svc.cluster.local` → `web`.
func serviceName(ofHost host: String) -> String {
    String(host.split(separator: ".").first ?? Substring(host))
}
