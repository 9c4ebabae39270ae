import Manifests

/// meshctl's Gateway API objects (HTTPRoute, Gateway, GatewayClass) are Gateway API as written: exported as
/// themselves, labelled so `meshctl import` reads them back as written rather than as a foreign route.
extension ExportContext {
    mutating func exportGatewayAPIObject(_ loaded: LoadedObject, gateways: Set<String>) {
        let object = loaded.object
        var canonical = object.canonical
        if case .httpRoute(let route) = object {
            // An unwritten parent kind means a Service here unless a Gateway has the name (`ParentRef.isGateway`);
            // in a cluster it would mean a Gateway, so the export writes what it resolved to.
            let parents: [CanonicalValue] = route.spec.parentRefs.enumerated().map { index, parent in
                var value = canonical.at("spec.parentRefs")?.listValue[index] ?? .object([])
                let gateway = parent.isGateway(among: gateways)
                value = value.setting(["group"], to: .string(gateway ? "gateway.networking.k8s.io" : ""))
                return value.setting(["kind"], to: .string(gateway ? "Gateway" : "Service"))
            }
            canonical = canonical.setting(["spec", "parentRefs"], to: .list(parents))
        }
        emit(object.apiVersion, object.kind.rawValue, name: object.name, from: loaded,
             labels: object.metadata.labels.merging([Self.manifestLabel: "true"]) { $1 },
             annotations: object.metadata.annotations,
             body: [("spec", canonical["spec"])])
    }
}
