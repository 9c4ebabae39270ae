import Manifests

/// TrafficSplit → Gateway API HTTPRoute with weighted backendRefs attached to the root Service (GAMMA), or an SMI
/// TrafficSplit; HTTPRouteGroup → the HTTPRoute's matches, or an SMI HTTPRouteGroup.
extension ExportContext {
    static let routeGroupsAnnotation = annotationPrefix + "routegroups"
    static let apiVersionAnnotation = annotationPrefix + "apiVersion"

    mutating func exportSplit(_ split: TrafficSplit, _ loaded: LoadedObject, groups: [String: HTTPRouteGroup]) {
        var annotations = split.metadata.annotations
        carryUnmappedFields(loaded, into: &annotations)
        annotations[Self.apiVersionAnnotation] = split.apiVersion
        switch options.split {
        case .gateway: exportHTTPRoute(split, loaded, groups: groups, annotations: annotations)
        case .smi: exportSMISplit(split, loaded, annotations: annotations)
        }
    }

    private mutating func exportHTTPRoute(_ split: TrafficSplit, _ loaded: LoadedObject,
                                          groups: [String: HTTPRouteGroup], annotations: [String: String])
    {
        var annotations = annotations
        let backends: [CanonicalValue] = split.spec.backends.map { backend in
            .object([("name", .string(backend.service)), ("port", .number(port(of: backend.service))),
                     ("weight", .int(backend.weight))])
        }
        var rule: [(String, CanonicalValue?)] = []
        if !split.spec.matches.isEmpty {
            keep(loaded, "spec.matches", into: &annotations)
            let used = split.spec.matches.compactMap { groups[$0.name] }
            annotations[Self.routeGroupsAnnotation] = CompactJSON.text(.list(used.map { ManifestObject.httpRouteGroup($0).canonical }))
            rule.append(("matches", .list(httpRouteMatches(split.spec.matches, groups: groups))))
        }
        rule.append(("backendRefs", .list(backends)))
        let parent = CanonicalValue.object([("group", .string("")), ("kind", .string("Service")),
                                            ("name", .string(split.spec.service)),
                                            ("port", .number(port(of: split.spec.service)))])
        emit("gateway.networking.k8s.io/v1", "HTTPRoute", name: split.metadata.name, from: loaded,
             labels: split.metadata.labels, annotations: annotations,
             body: [("spec", .object([("parentRefs", .list([parent])), ("rules", .list([.object(rule)]))]))])
    }

    /// SMI matches (path regex AND methods AND headers; matches ORed) as Gateway API matches: one per method.
    private func httpRouteMatches(_ references: [TrafficSplit.RouteReference], groups: [String: HTTPRouteGroup])
        -> [CanonicalValue]
    {
        var out: [CanonicalValue] = []
        for reference in references {
            guard let group = groups[reference.name] else { continue }
            for match in group.spec.matches where reference.matches.isEmpty || reference.matches.contains(match.name) {
                let path: CanonicalValue? = match.pathRegex.map {
                    .object([("type", .string("RegularExpression")), ("value", .string($0))])
                }
                let headers: CanonicalValue? = match.headers.isEmpty ? nil : .list(match.headers.keys.sorted().map {
                    .object([("type", .string("RegularExpression")), ("name", .string($0)),
                             ("value", .string(match.headers[$0]!))])
                })
                let methods = match.methods.filter { $0 != "*" }
                for method in methods.isEmpty ? [nil] : methods.map(Optional.some) {
                    out.append(.object([("path", path), ("method", .text(method)), ("headers", headers)]))
                }
            }
        }
        return out
    }

    private mutating func exportSMISplit(_ split: TrafficSplit, _ loaded: LoadedObject, annotations: [String: String]) {
        if options.mesh == .istio {
            warn(loaded, "apiVersion", "Istio does not read SMI TrafficSplit; use --split gateway (HTTPRoute) with --mesh istio")
        }
        // linkerd-smi serves v1alpha2 (numeric weights); only smi-sdk-go's v1alpha4 has matches.
        let version = split.spec.matches.isEmpty ? "split.smi-spec.io/v1alpha2" : "split.smi-spec.io/v1alpha4"
        let backends: [CanonicalValue] = split.spec.backends.map {
            .object([("service", .string($0.service)), ("weight", .int($0.weight))])
        }
        var annotations = annotations
        // smi-sdk-go's v1alpha4 CRD refers to whole route groups: a split on some of a group's matches is wider there.
        unmapped(loaded, "spec.matches", isDefault: split.spec.matches.allSatisfy(\.matches.isEmpty),
                 into: &annotations, "SMI's TrafficSplit CRD refers to whole HTTPRouteGroups, not to matches in them")
        let matches: CanonicalValue? = split.spec.matches.isEmpty ? nil : .list(split.spec.matches.map {
            .object([("kind", .string($0.kind)), ("name", .string($0.name))])
        })
        emit(version, "TrafficSplit", name: split.metadata.name, from: loaded, labels: split.metadata.labels,
             annotations: annotations,
             body: [("spec", .object([("service", .string(split.spec.service)), ("matches", matches),
                                      ("backends", .list(backends))]))])
    }

    mutating func exportRouteGroup(_ group: HTTPRouteGroup, _ loaded: LoadedObject, referenced: Bool) {
        guard options.split == .smi else {
            // Gateway API has no object of its own for matches: they are written into the HTTPRoute of each split
            // that refers to the group, which also carries the group for meshctl import.
            if !referenced {
                warn(loaded, "metadata.name", "no TrafficSplit refers to this HTTPRouteGroup and Gateway API has no "
                         + "object for it alone; not exported (use --split smi)")
            }
            return
        }
        var annotations = group.metadata.annotations
        carryUnmappedFields(loaded, into: &annotations)
        annotations[Self.apiVersionAnnotation] = group.apiVersion
        let matches: [CanonicalValue] = group.spec.matches.map { match in
            .object([
                ("name", .string(match.name)),
                ("pathRegex", .text(match.pathRegex)),
                ("methods", match.methods.isEmpty ? nil : .strings(match.methods)),
                // smi-sdk-go's CRD (and Go client) write headers as a list of one-entry maps.
                ("headers", match.headers.isEmpty ? nil : .list(match.headers.keys.sorted().map {
                    .object([($0, .string(match.headers[$0]!))])
                })),
            ])
        }
        emit("specs.smi-spec.io/v1alpha4", "HTTPRouteGroup", name: group.metadata.name, from: loaded,
             labels: group.metadata.labels, annotations: annotations,
             body: [("spec", .object([("matches", .list(matches))]))])
    }
}
