extension Service {
    /// What the inbound sidecars of a service's replicas do with a caller that does not speak mTLS (Istio's
    /// PeerAuthentication modes). Mesh callers always use mTLS; this only decides about everyone else.
    public enum MTLS: String, Sendable, Hashable, Codable, CaseIterable {
        /// Only mTLS from mesh proxies; a plaintext connection is closed before a byte reaches the workload.
        case strict
        /// mTLS from mesh proxies and plaintext from local non-mesh clients (the default).
        case permissive
    }
}

extension Service.Spec {
    /// `spec.mtls`: only for a service whose replicas the operator runs, since their sidecars enforce it.
    static func mtls(decoding spec: inout FieldReader, workload: Service.Workload) -> Service.MTLS? {
        guard let node = spec.value("mtls") else { return nil }
        let mode = spec.context.word(node, spec.fieldPath("mtls"), as: Service.MTLS.self)
        if case .command = workload { return mode }
        spec.context.error(
            node.mark, spec.fieldPath("mtls"),
            "only allowed together with command: each replica's sidecar enforces it")
        return nil
    }
}
