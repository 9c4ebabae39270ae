extension HTTPRouteGroup {
    public var canonical: CanonicalValue {
        let matches: [CanonicalValue] = spec.matches.map { match in
            var map = CanonicalMap()
            map.add("name", .string(match.name))
            map.add("pathRegex", match.pathRegex)
            if !match.methods.isEmpty { map.add("methods", .strings(match.methods)) }
            map.add("headers", match.headers)
            return map.value
        }
        var spec = CanonicalMap()
        spec.add("matches", .list(matches))
        return ManifestObject.envelope(apiVersion: apiVersion, kind: .httpRouteGroup, metadata: metadata, spec: spec.value)
    }
}
