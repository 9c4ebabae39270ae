import Manifests

/// Istio `security.istio.io` AuthorizationPolicy, or Linkerd's AuthorizationPolicy with the Server or HTTPRoute and
/// authentications it names → AuthorizationPolicy (the inverse of ExportContext+Authorization.swift).
extension ImportContext {
    mutating func readIstioAuthorizationPolicy(_ document: KubernetesDocument) {
        guard let target = document.spec.at("selector.matchLabels")?[ExportContext.serviceLabel]?.stringValue
            ?? document.spec.at("selector.matchLabels")?["app"]?.stringValue
        else {
            error(document, "spec.selector", "an AuthorizationPolicy needs a selector naming one Service's pods (matchLabels \(ExportContext.serviceLabel) or app)")
            return
        }
        let action = document.spec["action"]?.stringValue ?? "ALLOW"
        guard action == "ALLOW" || action == "DENY" else {
            warn(document, "AuthorizationPolicy/\(document.name): action \(action) has no meshctl counterpart; not imported")
            return
        }
        let namespace = document.namespace ?? "default"
        var rules: [CanonicalValue] = []
        for (index, rule) in (document.spec["rules"]?.listValue ?? []).enumerated() {
            var callers: [String] = []
            for source in (rule["from"]?.listValue ?? []).compactMap({ $0["source"] }) {
                for field in source.fields {
                    switch field.key {
                    case "principals":
                        callers += field.value.listValue.compactMap(\.stringValue).map {
                            IstioPrincipal.caller(ofPrincipal: $0, namespace: namespace)
                        }
                    case "notPrincipals" where field.value.listValue.compactMap(\.stringValue) == ["*"]:
                        callers.append(AuthorizationCallers.unauthenticated)
                    default:
                        warn(document, "AuthorizationPolicy/\(document.name): rules[\(index)].from source \(field.key) has no meshctl counterpart; ignored")
                    }
                }
            }
            if rule["when"] != nil {
                warn(document, "AuthorizationPolicy/\(document.name): rules[\(index)].when has no meshctl counterpart; ignored")
            }
            let from: CanonicalValue? = callers.isEmpty ? nil : .strings(callers)
            let operations = (rule["to"]?.listValue ?? []).compactMap { $0["operation"] }
            // Istio's operations are alternatives: one meshctl rule each, with the same callers.
            for operation in operations.isEmpty ? [CanonicalValue.map([])] : operations {
                let to = CanonicalValue.object([("methods", operation["methods"]), ("paths", operation["paths"])])
                rules.append(.object([("from", from), ("to", to.fields.isEmpty ? nil : to)]))
            }
        }
        let spec = CanonicalValue.object([("service", .string(target)), ("action", .string(action)),
                                          ("rules", rules.isEmpty ? nil : .list(rules))])
        add(.authorizationPolicy, metadata: document.meshMetadata(name: document.name), spec: spec, from: [document])
    }

    /// One meshctl policy from the Linkerd AuthorizationPolicies an export wrote for it (one per rule, grouped by
    /// their `meshctl.dev/name` and ordered by `meshctl.dev/rule`), or from one foreign AuthorizationPolicy.
    mutating func readLinkerdAuthorizationPolicy(_ document: KubernetesDocument) {
        let name = document.carried["name"] ?? document.name
        let rule = document.annotations[LinkerdPolicy.ruleAnnotation]
        // The group is read once, at its first rule.
        guard rule == nil || rule == "0" else { return }
        let group = rule == nil ? [document] : documents("policy.linkerd.io", "AuthorizationPolicy")
            .filter { $0.carried["name"] == name }
            .sorted { Int($0.annotations[LinkerdPolicy.ruleAnnotation] ?? "") ?? 0 < Int($1.annotations[LinkerdPolicy.ruleAnnotation] ?? "") ?? 0 }
        let namespace = document.namespace ?? "default"
        var target: String?
        var rules: [CanonicalValue] = []
        for member in group {
            // A policy on an HTTPRoute authorizes that route's matches (methods, paths) of the route's Server.
            var to: [(methods: [String], paths: [String])] = [([], [])]
            var serverName = member.spec.at("targetRef.name")?.stringValue
            if member.spec.at("targetRef.kind")?.stringValue == "HTTPRoute" {
                let route = documents("policy.linkerd.io", "HTTPRoute").first { $0.name == serverName }
                guard let route, let matches = LinkerdRoutes.readMatches(route.value),
                      route.spec["parentRefs"]?.listValue.first?["kind"]?.stringValue == "Server"
                else {
                    warn(member, "AuthorizationPolicy/\(member.name): HTTPRoute/\(serverName ?? "") is not in the files, has no Server parent, or matches headers, query parameters or regular expressions; not imported")
                    return
                }
                serverName = route.spec["parentRefs"]?.listValue.first?["name"]?.stringValue
                to = LinkerdRoutes.meshctlRules(matches)
            } else if member.spec.at("targetRef.kind")?.stringValue != "Server" {
                serverName = nil
            }
            guard let serverName else {
                warn(member, "AuthorizationPolicy/\(member.name): only policies on a Server or an HTTPRoute of one are imported; not imported")
                return
            }
            let server = documents("policy.linkerd.io", "Server").first { $0.name == serverName }
            target = server?.spec.at("podSelector.matchLabels")?[ExportContext.serviceLabel]?.stringValue ?? serverName
            var callers: [String] = []
            for reference in member.spec["requiredAuthenticationRefs"]?.listValue ?? [] {
                let kind = reference["kind"]?.stringValue ?? ""
                let referenced = reference["name"]?.stringValue ?? ""
                guard let authentication = documents("policy.linkerd.io", kind).first(where: { $0.name == referenced }) else {
                    warn(member, "AuthorizationPolicy/\(member.name): \(kind)/\(referenced) is not in the files; not imported")
                    return
                }
                if kind == "MeshTLSAuthentication" {
                    for identity in authentication.spec["identities"]?.listValue.compactMap(\.stringValue) ?? [] {
                        guard let caller = LinkerdIdentity.caller(ofIdentity: identity, namespace: namespace) else {
                            warn(member, "AuthorizationPolicy/\(member.name): identity \(identity) is not a service account of namespace \(namespace); not imported")
                            return
                        }
                        callers.append(caller)
                    }
                } else if kind == "NetworkAuthentication" {
                    let networks = authentication.spec["networks"]?.listValue.compactMap { $0["cidr"]?.stringValue } ?? []
                    guard networks.contains("0.0.0.0/0") else {
                        warn(member, "AuthorizationPolicy/\(member.name): meshctl authorizes callers, not networks (\(networks.joined(separator: ", "))); not imported")
                        return
                    }
                } else {
                    warn(member, "AuthorizationPolicy/\(member.name): \(kind) has no meshctl counterpart; not imported")
                    return
                }
            }
            for operation in to {
                let fields = CanonicalValue.object([("methods", operation.methods.isEmpty ? nil : .strings(operation.methods)),
                                                    ("paths", operation.paths.isEmpty ? nil : .strings(operation.paths))])
                rules.append(.object([("from", callers.isEmpty ? nil : .strings(callers)),
                                      ("to", fields.fields.isEmpty ? nil : fields)]))
            }
        }
        guard let target else { return }
        let spec = CanonicalValue.object([("service", .string(target)), ("action", .string("ALLOW")),
                                          ("rules", .list(rules))])
        add(.authorizationPolicy, metadata: document.meshMetadata(name: name), spec: spec, from: [document])
    }
}
