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

    /// Gateway API merges the rules of routes sharing a hostname on a listener; meshctl gives each (listener
    /// port, hostname) one route, and says which two would share one.
    mutating func checkIngressHostnames() {
        var claimed: [String: (route: String, source: ObjectSource)] = [:]
        for loaded in objects {
            guard case .httpRoute(let route) = loaded.object else { continue }
            for attachment in IngressAttachment.attachments(of: route, gateways: gateways.mapValues(\.0)) {
                for host in attachment.hosts {
                    let key = "\(attachment.port) \(host ?? "*any*")"
                    if let first = claimed[key], first.route != route.metadata.name {
                        let path = route.spec.hostnames.isEmpty ? "spec.parentRefs" : "spec.hostnames"
                        error(loaded, path,
                              "\(host.map { "hostname \"\($0)\"" } ?? "every hostname") of port \(attachment.port) is already routed by HTTPRoute \"\(first.route)\" (\(location(first.source))); meshctl takes one HTTPRoute per hostname of a Gateway listener")
                    } else {
                        claimed[key] = (route.metadata.name, loaded.source)
                    }
                }
            }
        }
    }
}
