extension FaultInjection {
    /// The canonical form, every default filled in.
    public var canonical: CanonicalValue {
        var spec = CanonicalMap()
        spec.add("service", .string(self.spec.service))
        if let match = self.spec.match {
            var map = CanonicalMap()
            map.add("pathRegex", match.pathRegex)
            if !match.methods.isEmpty { map.add("methods", .strings(match.methods)) }
            map.add("headers", match.headers)
            spec.add("match", map.value)
        }
        if let delay = self.spec.delay {
            var map = CanonicalMap()
            map.add("fixedDelay", .duration(delay.fixedDelay))
            map.add("percentage", .decimal(delay.percentage))
            spec.add("delay", map.value)
        }
        if let abort = self.spec.abort {
            var map = CanonicalMap()
            if let grpc = abort.grpcStatus { map.add("grpcStatus", .int(grpc)) } else { map.add("httpStatus", .int(abort.httpStatus)) }
            map.add("percentage", .decimal(abort.percentage))
            spec.add("abort", map.value)
        }
        if let expiresAt = self.spec.expiresAt { spec.add("expiresAt", .string(Self.formatTimestamp(expiresAt))) }
        return ManifestObject.envelope(apiVersion: apiVersion, kind: .faultInjection, metadata: metadata, spec: spec.value)
    }
}
