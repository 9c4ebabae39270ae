import Manifests
import SidecarConfig

/// Where a canary's session affinity is in force, and with which cookie values (the proxies' side is
/// `TrafficPolicy.SessionAffinity`).
public enum RolloutSessionAffinity {
    /// The split's affinity while the canary takes part of the traffic (0 < weight < 100), nil otherwise: at weight
    /// 0 pinning everyone to stable would keep the canary from ever getting a client, and once promoted or rolled
    /// back every request goes to one side whatever its cookie. The values name the revision rolled out, so a
    /// cookie from an earlier rollout pins nothing.
    public static func split(_ spec: Rollout.Spec, weights: RolloutWeights, revision: String?) -> SplitSessionAffinity? {
        guard case .canary(let canary) = spec.strategy, let affinity = canary.sessionAffinity, let revision,
              weights.canary > 0, weights.stable > 0 else { return nil }
        // Cookie octets only (RFC 6265 §4.1.1): the revision is a digest, kept to its letters and digits.
        let token = String(revision.filter { $0.isASCII && ($0.isLetter || $0.isNumber) }.prefix(16))
        return SplitSessionAffinity(
            cookieName: affinity.cookieName, maxAge: affinity.maxAge,
            values: [spec.stableService: "stable-\(token)", spec.newService: "canary-\(token)"])
    }
}
