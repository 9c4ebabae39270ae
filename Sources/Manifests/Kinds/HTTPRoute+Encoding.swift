extension HTTPRoute {
    /// The canonical form, every default filled in (weights, path matches, match types).
    public var canonical: CanonicalValue {
        var spec = CanonicalMap()
        spec.add("parentRefs", .list(self.spec.parentRefs.map { parent in
            var map = CanonicalMap()
            // An unwritten kind stays unwritten: what it names depends on the Gateways there are (`isGateway`).
            switch parent.kind {
            case .service?:
                map.add("group", .string(""))
                map.add("kind", .string("Service"))
            case .gateway?:
                map.add("group", .string("gateway.networking.k8s.io"))
                map.add("kind", .string("Gateway"))
            case nil:
                break
            }
            map.add("name", .string(parent.name))
            map.add("sectionName", parent.sectionName)
            if let port = parent.port { map.add("port", .int(port)) }
            return map.value
        }))
        if !self.spec.hostnames.isEmpty { spec.add("hostnames", .strings(self.spec.hostnames)) }
        spec.add("rules", .list(self.spec.rules.map(Self.canonical)))
        return ManifestObject.envelope(apiVersion: apiVersion, kind: .httpRoute, metadata: metadata, spec: spec.value)
    }

    private static func canonical(_ rule: Rule) -> CanonicalValue {
        var map = CanonicalMap()
        map.add("name", rule.name)
        if !rule.matches.isEmpty {
            map.add("matches", .list(rule.matches.map { match in
                var fields = CanonicalMap()
                fields.add("path", .map([.init("type", .string(match.path.type.rawValue)), .init("value", .string(match.path.value))]))
                if !match.headers.isEmpty { fields.add("headers", .list(match.headers.map(canonical))) }
                if !match.queryParams.isEmpty { fields.add("queryParams", .list(match.queryParams.map(canonical))) }
                fields.add("method", match.method)
                return fields.value
            }))
        }
        map.add("backendRefs", .list(rule.backendRefs.map { backend in
            var fields = CanonicalMap()
            fields.add("group", .string(""))
            fields.add("kind", .string("Service"))
            fields.add("name", .string(backend.name))
            if let port = backend.port { fields.add("port", .int(port)) }
            fields.add("weight", .int(backend.weight))
            return fields.value
        }))
        var filters = rule.filters.canonical
        if let mirror = rule.mirror {
            var backend = CanonicalMap()
            backend.add("group", .string(""))
            backend.add("kind", .string("Service"))
            backend.add("name", .string(mirror.service))
            if let port = mirror.port { backend.add("port", .int(port)) }
            let filter = CanonicalValue.map([
                .init("type", .string("RequestMirror")),
                .init("requestMirror", .map([.init("backendRef", backend.value), Self.share(mirror.percentage)])),
            ])
            filters.append(filter)
        }
        if !filters.isEmpty { map.add("filters", .list(filters)) }
        if let timeouts = rule.timeouts {
            var fields = CanonicalMap()
            if let request = timeouts.request { fields.add("request", .duration(request)) }
            if let backendRequest = timeouts.backendRequest { fields.add("backendRequest", .duration(backendRequest)) }
            map.add("timeouts", fields.value)
        }
        return map.value
    }

    /// Gateway API's `percent` is a whole number; another share is written as a `fraction` of a million.
    private static func share(_ percentage: Double) -> CanonicalValue.Field {
        if percentage == percentage.rounded() { return .init("percent", .int(Int(percentage))) }
        return .init("fraction", .map([.init("numerator", .int(Int((percentage * 10_000).rounded()))),
                                       .init("denominator", .int(1_000_000))]))
    }

    private static func canonical(_ value: ValueMatch) -> CanonicalValue {
        .map([.init("type", .string(value.type.rawValue)), .init("name", .string(value.name)),
              .init("value", .string(value.value))])
    }
}
