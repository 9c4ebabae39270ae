extension Service.Spec {
    /// `spec.upstreams`: the services this service's workloads call through their sidecar (Consul's `upstreams`,
    /// Istio's `Sidecar` `egress.hosts`). Only for a service whose replicas the operator runs: their sidecars then
    /// carry, and route to, only these (with the backends of their splits); a call to any other host gets 503
    /// with the reason. Absent: every service, as before. `[]`: none. Names must be DNS labels and are checked to
    /// exist like every other reference (`CrossValidator`).
    static func upstreams(decoding spec: inout FieldReader, workload: Service.Workload) -> [String]? {
        guard let node = spec.value("upstreams") else { return nil }
        let path = spec.fieldPath("upstreams")
        guard case .command = workload else {
            spec.context.error(node.mark, path,
                               "only allowed together with command: it scopes what the replicas' sidecars route to")
            return nil
        }
        guard let items = spec.context.list(node, path) else { return nil }
        var names: [String] = []
        var seen = Set<String>()
        for (index, item) in items.enumerated() {
            let itemPath = FieldPath.index(path, index)
            guard let name = spec.context.name(item, itemPath) else { continue }
            guard seen.insert(name).inserted else {
                spec.context.error(item.mark, itemPath, "service \(spec.context.quoted(name)) is listed twice")
                continue
            }
            // Cross-object checks (the service exists) report here.
            spec.context.fieldMarks[itemPath] = item.mark
            names.append(name)
        }
        return names
    }
}
