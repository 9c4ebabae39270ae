import MeshIdentity
import NIOCore
import SidecarConfig
import TrafficPolicy

extension Authorization {
    /// Each inbound listener's policies as the pure decision type; listeners without any are left out (allow all).
    static func compile(_ listeners: [Listener]) -> [String: Authorization] {
        var compiled: [String: Authorization] = [:]
        for listener in listeners where listener.kind == .inbound {
            guard let policies = listener.authorization, !policies.isEmpty else { continue }
            compiled[listener.name] = Authorization(policies: policies.map { policy in
                Policy(name: policy.name, action: policy.action == .deny ? .deny : .allow,
                       rules: policy.rules.map { Rule(from: $0.from, methods: $0.methods, paths: $0.paths) })
            })
        }
        return compiled
    }
}

extension DownstreamHandler {
    /// Answers 403 `x-mesh-reason: forbidden` when the listener's AuthorizationPolicies refuse this caller
    /// (its verified SPIFFE ID, or none for plaintext) this method and path; counted with the service's own
    /// answers and access-logged. Returns true when it answered. Only called for listeners with policies
    /// (`ListenerPlan.authorization`).
    func denyUnauthorized(_ decision: LoopContext.RouteDecision, rules: Authorization, head: ByteBuffer) -> Bool {
        let (method, path) = head.withUnsafeReadableBytes { bytes in
            (String(decoding: bytes[0..<request.methodEnd], as: UTF8.self),
             String(decoding: bytes[request.targetStart..<request.targetEnd], as: UTF8.self))
        }
        let caller = peer?.identity?.uri
        guard case .denied(let policy) = rules.decide(caller: caller, method: method, path: path) else { return false }
        if case .service(let service, _, _, _) = decision { service.metrics.ownAnswer("forbidden") }
        let who = caller ?? "an unauthenticated caller"
        let detail = policy.map { "\(who) denied by AuthorizationPolicy \($0)" } ?? "no AuthorizationPolicy allows \(who) to \(method) \(path)"
        logAccess(status: 403, reason: "forbidden")
        respondLocally(status: 403, reason: "forbidden", detail: detail, keepAlive: false)
        return true
    }
}
