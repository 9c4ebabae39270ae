/// The whole environment of a workload process, built from nothing rather than from the operator's: a program sees
/// the few variables any program needs, its Service's `env`, and the mesh's variables, and nothing the operator
/// happened to have (tokens, `MESH_STATE_DIR`, a developer's shell settings).
///
/// Precedence, lowest first: the operator's `PATH`, `HOME`, `LANG`, `TZ` (`base`); the proxy variables that send
/// plain-HTTP clients through the replica's sidecar (`proxyDefaults`); the Service's `env`; the mesh's own
/// (`PORT`, `MESH_SERVICE`, `MESH_REPLICA`, `MESH_OUTBOUND`), which a Service's `env` cannot override.
public struct WorkloadEnvironment: Sendable, Hashable {
    /// The operator's variables a workload keeps.
    public static let inheritedNames = ["PATH", "HOME", "LANG", "TZ"]
    /// Part of every workload's revision: changed when the variables every workload gets change, so each restarts
    /// once into the new set. "2": a clean environment instead of the operator's; "3": the proxy variables.
    public static let model = "3"
    /// `PATH` when the operator has none (a daemon started with an empty environment).
    public static let fallbackPath = "/usr/local/bin:/usr/bin:/bin"

    public var base: [String: String]
    public var proxyDefaults: [String: String]
    public var serviceEnv: [String: String]
    public var mesh: [String: String]

    public init(base: [String: String], proxyDefaults: [String: String] = [:], serviceEnv: [String: String],
                mesh: [String: String]) {
        self.base = base
        self.proxyDefaults = proxyDefaults
        self.serviceEnv = serviceEnv
        self.mesh = mesh
    }

    /// What stock HTTP clients honour to send plain-HTTP calls through the replica's sidecar: `http://web/path`
    /// goes to the outbound listener in absolute-form and is routed by its host. Loopback stays direct: on this
    /// machine a loopback address is the workload itself, its sidecar, a Service's port on the gateway (meshed
    /// already) or something outside the mesh, none of which the sidecar could route by name. Both spellings,
    /// since clients disagree on which they read (docs/discovery.md, "Which clients honour what").
    public static func proxyVariables(outbound: String) -> [String: String] {
        let proxy = "http://\(outbound)"
        let direct = "localhost,127.0.0.1,::1"
        return ["HTTP_PROXY": proxy, "http_proxy": proxy, "NO_PROXY": direct, "no_proxy": direct]
    }

    /// The inherited variables out of the operator's environment (`ProcessInfo.processInfo.environment`).
    public static func base(from operatorEnvironment: [String: String]) -> [String: String] {
        var base: [String: String] = [:]
        for name in inheritedNames { base[name] = operatorEnvironment[name] }
        if base["PATH"] == nil { base["PATH"] = fallbackPath }
        return base
    }

    /// Every variable, with `$(VAR)` in the Service's `env` expanded.
    ///
    /// Kubernetes expands an `env` list in order, each entry seeing those before it. `env` here is a mapping (its
    /// canonical form is sorted, so the written order would not survive `get -o yaml` and re-apply), so an entry may
    /// name any other entry instead, expanded first; a reference that would close a cycle stays as written, as an
    /// unknown one does.
    public var variables: [String: String] {
        var resolved: [String: String] = [:]
        var resolving: Set<String> = []
        func value(of name: String) -> String? {
            if let owned = mesh[name] { return owned }
            if let done = resolved[name] { return done }
            if let raw = serviceEnv[name] {
                guard !resolving.contains(name) else { return nil }
                resolving.insert(name)
                let expanded = VariableExpansion.expand(raw, lookup: value(of:))
                resolving.remove(name)
                resolved[name] = expanded
                return expanded
            }
            return proxyDefaults[name] ?? base[name]
        }
        var result = base.merging(proxyDefaults) { _, new in new }
        for name in serviceEnv.keys.sorted() { result[name] = value(of: name) }
        result.merge(mesh) { _, new in new }
        return result
    }

    /// `command` with `$(VAR)` expanded from `variables`.
    public func expand(_ argv: [String]) -> [String] {
        let variables = self.variables
        return argv.map { VariableExpansion.expand($0) { variables[$0] } }
    }
}
