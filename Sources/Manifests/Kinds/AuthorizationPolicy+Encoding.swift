extension AuthorizationPolicy {
    /// The canonical form, every default filled in.
    public var canonical: CanonicalValue {
        var spec = CanonicalMap()
        spec.add("service", .string(self.spec.service))
        spec.add("action", .string(self.spec.action.rawValue))
        spec.add("rules", .list(self.spec.rules.map { rule in
            var map = CanonicalMap()
            if !rule.from.isEmpty { map.add("from", .strings(rule.from)) }
            if !rule.methods.isEmpty || !rule.paths.isEmpty {
                var to = CanonicalMap()
                if !rule.methods.isEmpty { to.add("methods", .strings(rule.methods)) }
                if !rule.paths.isEmpty { to.add("paths", .strings(rule.paths)) }
                map.add("to", to.value)
            }
            return map.value
        }))
        return ManifestObject.envelope(apiVersion: apiVersion, kind: .authorizationPolicy, metadata: metadata,
                                       spec: spec.value)
    }
}
