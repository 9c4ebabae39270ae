extension Service.Spec {
    /// `spec.healthCheck`. A `grpc` check is for the replicas of an `appProtocol: grpc` service the operator runs:
    /// the operator makes the call; a proxy checking static endpoints speaks HTTP/1.1 only.
    static func healthCheck(decoding spec: inout FieldReader, appProtocol: Service.AppProtocol,
                            workload: Service.Workload) -> Service.HealthCheck? {
        guard let node = spec.value("healthCheck") else { return nil }
        let check = spec.mapping("healthCheck") { reader in Service.HealthCheck(decoding: &reader) }
        guard check?.grpc != nil else { return check }
        let path = spec.fieldPath("healthCheck") + ".grpc"
        var runByOperator = false
        if case .command = workload { runByOperator = true }
        if appProtocol != .grpc {
            spec.context.error(node.mark, path, "only for appProtocol: grpc (got \(appProtocol.rawValue))")
        } else if !runByOperator {
            spec.context.error(node.mark, path, "only allowed together with command: the operator checks each replica")
        }
        return check
    }
}
