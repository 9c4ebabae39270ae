extension TrafficSplit {
    public var canonical: CanonicalValue {
        var spec = CanonicalMap()
        spec.add("service", .string(self.spec.service))
        let backends: [CanonicalValue] = self.spec.backends.map { backend in
            var map = CanonicalMap()
            map.add("service", .string(backend.service))
            map.add("weight", usesQuantityWeights ? .string(Quantity.formatMilli(backend.weight)) : .int(backend.weight))
            return map.value
        }
        spec.add("backends", .list(backends))
        if !self.spec.matches.isEmpty {
            spec.add(
                "matches",
                .list(
                    self.spec.matches.map { match in
                        var map = CanonicalMap()
                        map.add("kind", .string(match.kind))
                        map.add("name", .string(match.name))
                        if !match.matches.isEmpty { map.add("matches", .strings(match.matches)) }
                        return map.value
                    }
                )
            )
        }
        return ManifestObject.envelope(apiVersion: apiVersion, kind: .trafficSplit, metadata: metadata, spec: spec.value)
    }
}
