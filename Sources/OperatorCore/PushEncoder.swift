import Foundation
import SidecarConfig

/// Encodes the `PUT /config` bodies of one pass. Every proxy's configuration carries the same mesh tables (all
/// services, splits, retry policies) and differs only in its listeners and its own local service, so the tables are
/// encoded once and spliced into each proxy's small remainder instead of encoding 41 near-identical documents.
/// Anything it cannot splice safely is encoded whole.
struct PushEncoder: Sendable {
    private let shared: [ServiceConfig]
    private let splits: [TrafficSplitConfig]
    private let retryPolicies: [RetryPolicyConfig]
    /// The JSON of `shared`, `splits` and `retryPolicies` without their brackets.
    private let sharedServicesJSON: String
    private let splitsJSON: String
    private let retryPoliciesJSON: String

    /// - Parameter tables: a configuration holding exactly the shared tables (the gateway's).
    init?(tables: SidecarConfiguration?) {
        guard let tables else { return nil }
        shared = tables.services
        splits = tables.splits
        retryPolicies = tables.retryPolicies
        guard let services = Self.inner(tables.services), let splitsText = Self.inner(tables.splits),
              let policies = Self.inner(tables.retryPolicies) else { return nil }
        sharedServicesJSON = services
        splitsJSON = splitsText
        retryPoliciesJSON = policies
    }

    /// The body for `config`: spliced when it carries the shared tables, else encoded whole.
    func body(for config: SidecarConfiguration) -> Data {
        guard config.splits == splits, config.retryPolicies == retryPolicies, config.services.count >= shared.count,
              config.services.prefix(shared.count).elementsEqual(shared) else { return Self.whole(config) }
        var skeleton = config
        skeleton.services = []
        skeleton.splits = []
        skeleton.retryPolicies = []
        let own = Array(config.services.dropFirst(shared.count))
        guard let ownJSON = Self.inner(own), var text = Self.encode(skeleton) else { return Self.whole(config) }
        let services = [sharedServicesJSON, ownJSON].filter { !$0.isEmpty }.joined(separator: ",")
        for (key, inner) in [("services", services), ("splits", splitsJSON), ("retryPolicies", retryPoliciesJSON)] {
            // The skeleton's only empty array under this key must be the top-level one; otherwise do not guess.
            let token = "\"\(key)\":[]"
            guard let range = text.range(of: token), text.range(of: token, range: range.upperBound..<text.endIndex) == nil
            else { return Self.whole(config) }
            text.replaceSubrange(range, with: "\"\(key)\":[\(inner)]")
        }
        return Data(text.utf8)
    }

    /// Compact JSON (the proxy does not care about layout; files on disk stay pretty).
    static func whole(_ config: SidecarConfiguration) -> Data {
        (try? JSONEncoder().encode(config)) ?? config.encodedJSON()
    }

    private static func encode<T: Encodable>(_ value: T) -> String? {
        (try? JSONEncoder().encode(value)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// `[a,b]` -> `a,b`.
    private static func inner<T: Encodable>(_ values: [T]) -> String? {
        guard let text = encode(values), text.hasPrefix("["), text.hasSuffix("]") else { return nil }
        return String(text.dropFirst().dropLast())
    }
}
