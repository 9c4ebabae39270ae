/// Who may call a service, enforced by the inbound sidecar of each of its replicas, shaped after Istio's and
/// Linkerd's AuthorizationPolicy: rules `from` caller identities `to` methods and paths, and an action. DENY
/// policies win; with any ALLOW policy on a service, a request must match one; no policy allows everything
/// (docs/manifests/authorizationpolicy.md, docs/identity.md).
public struct AuthorizationPolicy: Sendable, Hashable, Codable {
    public var apiVersion: String
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(apiVersion: String = APIVersion.mesh, metadata: ObjectMeta, spec: Spec) {
        self.apiVersion = apiVersion
        self.metadata = metadata
        self.spec = spec
    }

    public enum Action: String, Sendable, Hashable, Codable, CaseIterable {
        case allow = "ALLOW"
        case deny = "DENY"
    }

    public struct Spec: Sendable, Hashable, Codable {
        /// The Service whose replicas' inbound sidecars enforce the policy.
        public var service: String
        public var action: Action
        /// A request matches the policy when it matches any rule; no rules match nothing (an ALLOW policy without
        /// rules allows nothing: Istio's "allow-nothing").
        public var rules: [Rule]

        public init(service: String, action: Action = .allow, rules: [Rule] = []) {
            self.service = service
            self.action = action
            self.rules = rules
        }
    }

    /// Every part written must match; a part left out matches everything.
    public struct Rule: Sendable, Hashable, Codable {
        /// Callers: service names or SPIFFE IDs, with `*` wildcards (`*` alone: any caller with a mesh
        /// certificate), or `unauthenticated` (a plaintext caller).
        public var from: [String]
        /// Methods, exact (`GET`).
        public var methods: [String]
        /// Paths: exact (`/healthz`) or a prefix ending in `*` (`/api/*`).
        public var paths: [String]

        public init(from: [String] = [], methods: [String] = [], paths: [String] = []) {
            self.from = from
            self.methods = methods
            self.paths = paths
        }
    }
}
