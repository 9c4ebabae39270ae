/// A workload identity in SPIFFE's form: `spiffe://<trust-domain>/ns/<namespace>/sa/<service>`, the URI SAN of
/// every leaf certificate the mesh issues (the same shape as Istio's, so tools that read one read the other).
///
/// meshctl has no namespaces: every service is in `default`.
public struct SpiffeID: Sendable, Hashable, CustomStringConvertible {
    public static let defaultTrustDomain = "meshctl.local"
    public static let defaultNamespace = "default"

    public var trustDomain: String
    public var namespace: String
    public var service: String

    public init(trustDomain: String = defaultTrustDomain, namespace: String = defaultNamespace, service: String) {
        self.trustDomain = trustDomain
        self.namespace = namespace
        self.service = service
    }

    /// Parses the URI form; nil for anything else (another scheme, another path shape, empty parts).
    public init?(uri: String) {
        guard uri.hasPrefix("spiffe://") else { return nil }
        let parts = uri.dropFirst("spiffe://".count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[1] == "ns", parts[3] == "sa",
              !parts[0].isEmpty, !parts[2].isEmpty, !parts[4].isEmpty else { return nil }
        self.init(trustDomain: String(parts[0]), namespace: String(parts[2]), service: String(parts[4]))
    }

    public var uri: String { "spiffe://\(trustDomain)/ns/\(namespace)/sa/\(service)" }
    public var description: String { uri }

    /// A trust domain is a DNS-like name: lower-case letters, digits, dots, dashes and underscores (SPIFFE ID spec).
    public static func isValidTrustDomain(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 255
            && name.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "." || $0 == "-" || $0 == "_" }
    }
}
