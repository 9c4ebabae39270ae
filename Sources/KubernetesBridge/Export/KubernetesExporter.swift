import Manifests

/// meshctl manifests → Kubernetes objects for the chosen mesh and rollout controller. Pure: the caller reads and
/// writes files. Every meshctl field either maps, or is reported as a warning at its `file:line:column`.
public enum KubernetesExporter {
    /// Exports a valid apply set. Objects come out Services first, then splits, retry policies and rollouts, each kind
    /// by name, so the output does not depend on file order. `read` gives a source file's bytes (for warnings' marks;
    /// by default the file system).
    public static func export(
        _ mesh: [LoadedObject], options: ExportOptions,
        read: ((String) -> [UInt8]?)? = nil
    ) -> KubernetesExport {
        let locator = SourceLocator(objects: mesh, read: read ?? SourceLocator.readFile)
        var context = ExportContext(options: options, mesh: mesh, locator: locator)
        let ordered = mesh.sorted { ($0.object.kind, $0.object.name) < ($1.object.kind, $1.object.name) }
        let groups = ordered.compactMap { $0.object.httpRouteGroup }
        let groupsByName = Dictionary(groups.map { ($0.metadata.name, $0) }, uniquingKeysWith: { first, _ in first })
        let gateways = Set(ordered.compactMap { $0.object.gateway?.metadata.name })
        let referencedGroups = Set(ordered.compactMap { $0.object.trafficSplit }.flatMap { $0.spec.matches.map(\.name) })
        for loaded in ordered {
            // if-let rather than a switch: a kind added to meshctl later still compiles here, and is carried.
            let object = loaded.object
            if let service = object.service {
                context.exportService(service, loaded)
            } else if let split = object.trafficSplit {
                context.exportSplit(split, loaded, groups: groupsByName)
            } else if let group = object.httpRouteGroup {
                context.exportRouteGroup(group, loaded, referenced: referencedGroups.contains(group.metadata.name))
            } else if let policy = object.retryPolicy {
                context.exportRetryPolicy(policy, loaded)
            } else if let policy = object.authorizationPolicy {
                context.exportAuthorizationPolicy(policy, loaded)
            } else if let rollout = object.rollout {
                context.exportRollout(rollout, loaded, mesh: ordered)
            } else if [.httpRoute, .gateway, .gatewayClass].contains(object.kind) {
                context.exportGatewayAPIObject(loaded, gateways: gateways)
            } else if case .faultInjection = object {
                // A chaos session, not desired state: a cluster would express it as an Istio VirtualService fault.
                context.warn(loaded, "spec", "FaultInjection is not exported (meshctl chaos sessions stay local)")
            } else {
                context.exportAsConfigMap(loaded)
            }
        }
        return KubernetesExport(objects: context.objects, diagnostics: context.diagnostics.sorted())
    }
}
