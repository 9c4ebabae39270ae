import Manifests

/// HTTPRoute or SMI TrafficSplit → TrafficSplit; SMI HTTPRouteGroup (or the groups an HTTPRoute carries) →
/// HTTPRouteGroup.
extension ImportContext {
    mutating func readHTTPRoute(_ route: KubernetesDocument) {
        guard let parent = route.spec["parentRefs"]?.listValue.first, parent["kind"]?.stringValue == "Service" else {
            warn(route, "HTTPRoute/\(route.name) is not attached to a Service (a mesh route); not imported")
            return
        }
        let rules = route.spec["rules"]?.listValue ?? []
        guard let root = parent["name"]?.stringValue, let rule = rules.last else {
            error(route, "spec.rules", "a TrafficSplit needs a parent Service and a rule with backendRefs")
            return
        }
        if rules.count > 1 {
            warn(route, "only the last of the \(rules.count) rules (its weighted backendRefs) is imported; a TrafficSplit has one")
        }
        if rule["matches"] != nil, route.carried["spec.matches"] == nil {
            warn(route, "the rule's matches are not imported: meshctl matches live in HTTPRouteGroups")
        }
        let apiVersion = route.carried["apiVersion"] ?? APIVersion.mesh
        let backends: [CanonicalValue] = (rule["backendRefs"]?.listValue ?? []).map {
            .object([("service", $0["name"]), ("weight", Self.weight($0["weight"]?.intValue ?? 1, apiVersion))])
        }
        add(.trafficSplit, apiVersion: apiVersion, metadata: route.meshMetadata(name: route.name),
            spec: .object([("service", .string(root)), ("backends", .list(backends))]), from: [route])
        let known = Set(objects.filter { $0.value["kind"]?.stringValue == "HTTPRouteGroup" }
            .compactMap { $0.value.at("metadata.name")?.stringValue })
        let groups = route.carried["routegroups"].flatMap(CompactJSON.value)?.listValue ?? []
        for group in groups where !known.contains(group.at("metadata.name")?.stringValue ?? "") {
            objects.append(MeshObject(file: route.file, mark: route.mark, value: group))
        }
    }

    /// v1alpha1 weights are quantities in thousandths.
    static func weight(_ weight: Int, _ apiVersion: String) -> CanonicalValue {
        apiVersion == "split.smi-spec.io/v1alpha1" ? .string("\(weight)m") : .int(weight)
    }

    mutating func readSMISplit(_ split: KubernetesDocument) {
        // meshctl reads SMI's versions as they are (v1alpha1 weights are quantities).
        let apiVersion = split.carried["apiVersion"] ?? split.apiVersion
        let backends: [CanonicalValue] = (split.spec["backends"]?.listValue ?? []).map { backend in
            let weight = backend["weight"].flatMap { value -> CanonicalValue? in
                if let number = value.intValue { return Self.weight(number, apiVersion) }
                return value
            }
            return .object([("service", backend["service"]), ("weight", weight)])
        }
        add(.trafficSplit, apiVersion: apiVersion, metadata: split.meshMetadata(name: split.name),
            spec: .object([("service", split.spec["service"]), ("backends", .list(backends)),
                           ("matches", split.spec["matches"])]), from: [split])
    }

    mutating func readRouteGroup(_ group: KubernetesDocument) {
        let matches: [CanonicalValue] = (group.spec["matches"]?.listValue ?? []).map { match in
            // The list-of-maps form smi-sdk-go writes, or the map form of SMI's prose.
            var headers: [(String, CanonicalValue?)] = []
            if let written = match["headers"] {
                let maps = written.listValue.isEmpty ? [written] : written.listValue
                for map in maps { headers += map.fields.map { ($0.key, $0.value) } }
            }
            return .object([("name", match["name"]), ("pathRegex", match["pathRegex"]), ("methods", match["methods"]),
                             ("headers", headers.isEmpty ? nil : .object(headers))])
        }
        add(.httpRouteGroup, apiVersion: group.carried["apiVersion"] ?? group.apiVersion,
            metadata: group.meshMetadata(name: group.name), spec: .object([("matches", .list(matches))]),
            from: [group])
    }
}
