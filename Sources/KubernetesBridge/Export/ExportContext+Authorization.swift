import Manifests

/// AuthorizationPolicy → Istio `security.istio.io/v1` AuthorizationPolicy, or Linkerd's `policy.linkerd.io` Server,
/// AuthorizationPolicy and MeshTLSAuthentication / NetworkAuthentication. What the target mesh cannot say exactly
/// travels whole in a ConfigMap, with a warning that says why (never a weaker policy written silently).
///
/// Identities: a meshctl caller `frontend` is the cluster's service account `frontend` in the policy's namespace
/// (with a policy in the set, every Deployment runs as a ServiceAccount named after its Service).
extension ExportContext {
    mutating func exportAuthorizationPolicy(_ policy: AuthorizationPolicy, _ loaded: LoadedObject) {
        let target = policy.spec.service
        // A split root or route parent is enforced by its backends' sidecars (docs/manifests/authorizationpolicy.md);
        // neither mesh's policy here selects several Deployments' pods.
        let runsReplicas = services[target]?.object.service?.spec.workload.commandValue != nil
        guard runsReplicas, !splitRoots.contains(target), !routeParents.contains(target) else {
            exportAsConfigMap(loaded, because: "\(target) is the root of a split or route, enforced by its backends' sidecars, which one cluster policy here cannot select")
            return
        }
        switch options.mesh {
        case .istio: exportIstioAuthorization(policy, loaded)
        case .linkerd: exportLinkerdAuthorization(policy, loaded)
        }
    }

    private var policyNamespace: (LoadedObject) -> String {
        { namespace(of: $0) ?? "default" }
    }

    // MARK: Istio

    private mutating func exportIstioAuthorization(_ policy: AuthorizationPolicy, _ loaded: LoadedObject) {
        let namespace = policyNamespace(loaded)
        var rules: [CanonicalValue] = []
        for rule in policy.spec.rules {
            var principals: [String] = []
            var unauthenticated = false
            for caller in rule.from {
                if caller == AuthorizationCallers.unauthenticated {
                    unauthenticated = true
                } else if let principal = IstioPrincipal.principal(of: caller, namespace: namespace) {
                    principals.append(principal)
                } else {
                    exportAsConfigMap(loaded, because: "Istio principals take * only at the start or the end, not as in \"\(caller)\"")
                    return
                }
            }
            var sources: [CanonicalValue] = []
            if !principals.isEmpty { sources.append(.object([("source", .object([("principals", .strings(principals))]))])) }
            // Istio's way of saying "a caller without a mesh identity".
            if unauthenticated { sources.append(.object([("source", .object([("notPrincipals", .strings(["*"]))]))])) }
            let operation = CanonicalValue.object([
                ("methods", rule.methods.isEmpty ? nil : .strings(rule.methods)),
                ("paths", rule.paths.isEmpty ? nil : .strings(rule.paths)),
            ])
            rules.append(.object([
                ("from", sources.isEmpty ? nil : .list(sources)),
                ("to", rule.methods.isEmpty && rule.paths.isEmpty ? nil : .list([.object([("operation", operation)])])),
            ]))
        }
        var annotations = policy.metadata.annotations
        carryUnmappedFields(loaded, into: &annotations, known: ["spec.service", "spec.action", "spec.rules"])
        // A SPIFFE ID that reads back as a bare name (`spiffe://cluster.local/ns/NS/sa/web`) keeps its spelling.
        let readsBack = policy.spec.rules.flatMap(\.from).allSatisfy { caller in
            caller == AuthorizationCallers.unauthenticated
                || IstioPrincipal.principal(of: caller, namespace: namespace)
                    .map { IstioPrincipal.caller(ofPrincipal: $0, namespace: namespace) } == caller
        }
        if !readsBack { keep(loaded, "spec.rules", into: &annotations) }
        for (index, rule) in policy.spec.rules.enumerated() {
            for caller in rule.from where caller.hasPrefix("spiffe://") && !caller.hasPrefix("spiffe://\(IstioPrincipal.trustDomain)/") {
                warn(loaded, "spec.rules[\(index)].from",
                     "\(caller) keeps its trust domain; Istio's is \(IstioPrincipal.trustDomain) unless the mesh sets another")
            }
        }
        warnAboutCallers(policy, loaded)
        emit("security.istio.io/v1", "AuthorizationPolicy", name: policy.metadata.name, from: loaded,
             labels: policy.metadata.labels, annotations: annotations,
             body: [("spec", .object([
                 ("selector", .object([("matchLabels", .object([(Self.serviceLabel, .string(policy.spec.service))]))])),
                 ("action", .string(policy.spec.action.rawValue)),
                 ("rules", rules.isEmpty ? nil : .list(rules)),
             ]))])
    }

    // MARK: Linkerd

    /// Linkerd authorizes (it has no DENY) by the caller's identity, on a whole Server or on an HTTPRoute of it:
    /// a policy maps when it ALLOWs and each caller is a service name or `*`. One Linkerd AuthorizationPolicy per
    /// rule: a rule of callers only targets a Server for the target's pods; a rule with methods or paths targets an
    /// HTTPRoute of that Server matching them (LinkerdRoutes), and the Server then gets a catch-all route so
    /// requests outside every rule still reach the Server's own authorizations (Linkerd answers 404 where no route
    /// matches). A rule without `from` (any caller) is a NetworkAuthentication of every network.
    private mutating func exportLinkerdAuthorization(_ policy: AuthorizationPolicy, _ loaded: LoadedObject) {
        let spec = policy.spec
        let server = spec.service
        var routeMatches: [[LinkerdRoutes.Match]?] = []
        var why: String? =
            if spec.action == .deny { "Linkerd has no DENY authorization" }
            else if spec.rules.isEmpty { "an ALLOW policy without rules (allow nothing) has no Linkerd AuthorizationPolicy to carry it" }
            else if let caller = spec.rules.flatMap(\.from).first(where: { LinkerdIdentity.identity(of: $0, namespace: "n") == nil }) {
                "Linkerd identities are service accounts or *, not \"\(caller)\" (wildcards, SPIFFE IDs and unauthenticated callers do not map)"
            } else { nil }
        if why == nil {
            for rule in spec.rules {
                guard !rule.methods.isEmpty || !rule.paths.isEmpty else {
                    routeMatches.append(nil)
                    continue
                }
                switch LinkerdRoutes.matches(methods: rule.methods, paths: rule.paths) {
                case .success(let matches): routeMatches.append(matches)
                case .failure(let reason): why = why ?? reason.text
                }
            }
        }
        if why == nil {
            // Routes of other policies on this Server count too: their callers are not these.
            let earlier = objects.filter { $0.kind == "HTTPRoute" && $0.apiVersion == LinkerdRoutes.version
                && $0.value.at("spec")?["parentRefs"]?.listValue.first?["name"]?.stringValue == server
                && $0.name != LinkerdPolicy.catchAllRoute(server) }
            let routed = earlier.map { (matches: LinkerdRoutes.readMatches($0.value) ?? [], callers: ["\u{0}\($0.name)"]) }
                + zip(spec.rules, routeMatches).compactMap { rule, matches in matches.map { ($0, rule.from) } }
            if let (first, second) = LinkerdRoutes.conflict(routed) {
                let name = { (index: Int) in index < earlier.count ? "HTTPRoute \(earlier[index].name)" : "rule \(index - earlier.count)" }
                why = "\(name(first)) and \(name(second)) can match one request with different callers; Linkerd authorizes a request by the one route it matches"
            }
        }
        if let why {
            exportAsConfigMap(loaded, because: why)
            return
        }
        let namespace = policyNamespace(loaded)
        if !objects.contains(where: { $0.kind == "Server" && $0.name == server && $0.apiVersion == LinkerdPolicy.serverVersion }) {
            // One Server per target: every policy on it shares it (Linkerd refuses two Servers on one port).
            emit(LinkerdPolicy.serverVersion, "Server", name: server, from: loaded,
                 body: [("spec", .object([
                     ("podSelector", .object([("matchLabels", .object([(Self.serviceLabel, .string(server))]))])),
                     ("port", .string("http")),
                     ("accessPolicy", .string("deny")),
                 ]))])
        }
        let parent = CanonicalValue.list([.object([("group", .string("policy.linkerd.io")), ("kind", .string("Server")),
                                                    ("name", .string(server))])])
        if routeMatches.contains(where: { $0 != nil }),
           !objects.contains(where: { $0.kind == "HTTPRoute" && $0.name == LinkerdPolicy.catchAllRoute(server) }) {
            emit(LinkerdRoutes.version, "HTTPRoute", name: LinkerdPolicy.catchAllRoute(server), from: loaded,
                 body: [("spec", .object([("parentRefs", parent), ("rules", .list([.object([
                     ("matches", .list([.object([("path", LinkerdRoutes.Path.prefix("/").canonical)])])),
                 ])]))]))])
        }
        warnAboutCallers(policy, loaded)
        for (index, rule) in spec.rules.enumerated() {
            let name = spec.rules.count == 1 ? policy.metadata.name : "\(policy.metadata.name)-\(index)"
            var annotations = index == 0 ? policy.metadata.annotations : [:]
            if index == 0 { carryUnmappedFields(loaded, into: &annotations, known: ["spec.service", "spec.action", "spec.rules"]) }
            annotations[Self.nameAnnotation] = policy.metadata.name
            annotations[LinkerdPolicy.ruleAnnotation] = String(index)
            let authentication: (kind: String, body: CanonicalValue)
            if rule.from.isEmpty {
                authentication = ("NetworkAuthentication", .object([("networks", .list(LinkerdPolicy.everyNetwork.map {
                    .object([("cidr", .string($0))])
                }))]))
            } else {
                authentication = ("MeshTLSAuthentication", .object([("identities", .strings(rule.from.map {
                    LinkerdIdentity.identity(of: $0, namespace: namespace)!  // checked above
                }))]))
            }
            var target = ("Server", server)
            if let matches = routeMatches[index] {
                target = ("HTTPRoute", name)
                emit(LinkerdRoutes.version, "HTTPRoute", name: name, from: loaded,
                     annotations: [Self.nameAnnotation: policy.metadata.name],
                     body: [("spec", .object([("parentRefs", parent), ("rules", LinkerdRoutes.routeRules(matches))]))])
                for path in rule.paths where path.hasSuffix("/*") {
                    warn(loaded, "spec.rules[\(index)].to.paths",
                         "\(path) is PathPrefix \(path.dropLast()) in the HTTPRoute, which also matches \(path.dropLast(2)) itself")
                }
            }
            emit(LinkerdPolicy.authenticationVersion, authentication.kind, name: name, from: loaded,
                 annotations: [Self.nameAnnotation: policy.metadata.name], body: [("spec", authentication.body)])
            emit(LinkerdPolicy.authenticationVersion, "AuthorizationPolicy", name: name, from: loaded,
                 labels: policy.metadata.labels, annotations: annotations,
                 body: [("spec", .object([
                     ("targetRef", .object([("group", .string("policy.linkerd.io")), ("kind", .string(target.0)),
                                            ("name", .string(target.1))])),
                     ("requiredAuthenticationRefs", .list([.object([
                         ("group", .string("policy.linkerd.io")), ("kind", .string(authentication.kind)),
                         ("name", .string(name)),
                     ])])),
                 ]))])
        }
    }

    /// The meshctl gateway has an identity of its own; in a cluster the ingress has another.
    private mutating func warnAboutCallers(_ policy: AuthorizationPolicy, _ loaded: LoadedObject) {
        for (index, rule) in policy.spec.rules.enumerated() where rule.from.contains("gateway") {
            warn(loaded, "spec.rules[\(index)].from",
                 "\"gateway\" is meshctl's ingress; in the cluster it is the service account gateway, not the ingress controller's: name that instead")
        }
    }
}

/// The one spelling of the caller that has no mesh identity.
enum AuthorizationCallers {
    static let unauthenticated = "unauthenticated"
}

/// meshctl callers ↔ Istio principals (`cluster.local/ns/NS/sa/NAME`, a SPIFFE ID without its scheme).
enum IstioPrincipal {
    static let trustDomain = "cluster.local"

    /// nil when Istio cannot match it: its principals take one `*`, at the start or the end.
    static func principal(of caller: String, namespace: String) -> String? {
        let principal: String
        if caller == "*" {
            principal = "*"
        } else if caller.hasPrefix("spiffe://") {
            principal = String(caller.dropFirst("spiffe://".count))
        } else {
            principal = "\(trustDomain)/ns/\(namespace)/sa/\(caller)"
        }
        let stars = principal.filter { $0 == "*" }.count
        guard stars == 0 || (stars == 1 && (principal.hasPrefix("*") || principal.hasSuffix("*"))) else { return nil }
        return principal
    }

    /// A principal of this namespace in the cluster's trust domain is a service name; any other a SPIFFE ID.
    static func caller(ofPrincipal principal: String, namespace: String) -> String {
        if principal == "*" { return "*" }
        let local = "\(trustDomain)/ns/\(namespace)/sa/"
        if principal.hasPrefix(local) { return String(principal.dropFirst(local.count)) }
        return "spiffe://" + principal
    }
}

/// meshctl callers ↔ Linkerd identities (`NAME.NS.serviceaccount.identity.linkerd.cluster.local`).
enum LinkerdIdentity {
    static let suffix = "serviceaccount.identity.linkerd.cluster.local"

    /// nil for what Linkerd cannot name: wildcards other than `*` alone, SPIFFE IDs, `unauthenticated`.
    static func identity(of caller: String, namespace: String) -> String? {
        if caller == "*" { return "*" }
        guard !caller.contains("*"), !caller.contains(":"), caller != AuthorizationCallers.unauthenticated else { return nil }
        return "\(caller).\(namespace).\(suffix)"
    }

    /// `frontend.NS.serviceaccount…` → `frontend`; nil for an identity of another namespace or shape.
    static func caller(ofIdentity identity: String, namespace: String) -> String? {
        if identity == "*" { return "*" }
        let tail = ".\(namespace).\(suffix)"
        guard identity.hasSuffix(tail) else { return nil }
        let name = String(identity.dropLast(tail.count))
        return name.isEmpty || name.contains(".") ? nil : name
    }
}

enum LinkerdPolicy {
    static let serverVersion = "policy.linkerd.io/v1beta3"
    static let authenticationVersion = "policy.linkerd.io/v1alpha1"
    /// Which rule of the meshctl policy a Linkerd AuthorizationPolicy is, so import puts them back in order.
    static let ruleAnnotation = ExportContext.annotationPrefix + "rule"
    static let everyNetwork = ["0.0.0.0/0", "::/0"]

    /// The route that keeps requests outside every rule's routes on the Server (its own authorizations decide them).
    static func catchAllRoute(_ server: String) -> String { "\(server)-any-request" }
}
