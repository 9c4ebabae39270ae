extension Gateway {
    /// The canonical form: every listener `protocol: HTTP`.
    public var canonical: CanonicalValue {
        var spec = CanonicalMap()
        spec.add("gatewayClassName", .string(self.spec.gatewayClassName))
        spec.add("listeners", .list(self.spec.listeners.map { listener in
            var map = CanonicalMap()
            map.add("name", .string(listener.name))
            map.add("hostname", listener.hostname)
            map.add("port", .int(listener.port))
            map.add("protocol", .string("HTTP"))
            return map.value
        }))
        return ManifestObject.envelope(apiVersion: apiVersion, kind: .gateway, metadata: metadata, spec: spec.value)
    }
}
