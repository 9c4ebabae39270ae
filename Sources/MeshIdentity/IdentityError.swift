/// What can go wrong issuing or loading identities; each says what to look at.
public enum IdentityError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadableAnchor(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case noAnchor
    case malformedRequest(String)
    /// The CSR's signature does not match its public key: the sender does not hold the key it asks a certificate for.
    case badProofOfPossession
    case unsupportedKey(String)
    case invalidName(String)

    public var description: String {
        switch self {
        case .unreadableAnchor(let path, let reason): return "cannot read trust anchor \(path): \(reason)"
        case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
        case .noAnchor: return "no trust anchor: the operator creates one on its first start"
        case .malformedRequest(let reason): return "malformed certificate signing request: \(reason)"
        case .badProofOfPossession: return "the certificate signing request is not signed by its own key"
        case .unsupportedKey(let kind): return "unsupported key type \(kind): P-256 only"
        case .invalidName(let reason): return reason
        }
    }
}
