extension CrossValidator {
    var gatewayNames: Set<String> { Set(gateways.keys) }

    /// An ingress parent names a Gateway that exists, and, when written, one of its listeners (`sectionName`) or
    /// ports (`port`).
    mutating func checkGatewayParent(_ parent: HTTPRoute.ParentRef, index: Int, _ source: LoadedObject) {
        let path = "spec.parentRefs[\(index)]"
        guard let (gateway, _) = gateways[parent.name] else {
            let key = ObjectKey(kind: .gateway, name: parent.name)
            if invalid.contains(key) || removed.contains(key) { return }
            let suggestion = Suggestion.suffix(for: parent.name, in: gatewayNames.sorted())
            error(source, path + ".name", "Gateway \"\(parent.name)\" is not defined \(scope)\(suggestion)")
            return
        }
        let names = gateway.spec.listeners.map(\.name)
        if let section = parent.sectionName, !names.contains(section) {
            error(source, path + ".sectionName",
                  "Gateway \"\(gateway.metadata.name)\" has no listener \"\(section)\" (its listeners: \(names.joined(separator: ", ")))\(Suggestion.suffix(for: section, in: names))")
        } else if let port = parent.port, !gateway.spec.listeners.contains(where: {
            $0.port == port && (parent.sectionName == nil || $0.name == parent.sectionName)
        }) {
            error(source, path + ".port", "no listener of Gateway \"\(gateway.metadata.name)\" serves port \(port)")
        }
    }
}
