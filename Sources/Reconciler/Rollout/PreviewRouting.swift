import Manifests
import SidecarConfig

/// How a blue-green rollout's preview reaches the new version before the switch, in the sidecar schema.
///
/// SMI allows one split per root service, so the preview is not a second split: the root's split carries a pinned
/// route (header → preview service) that every proxy evaluates before the weights — in the gateway and in every
/// sidecar's outbound listener alike, as Argo's previewService is reachable in-cluster too. The pinned route is only
/// compiled while the rollout's weights say `preview`, so it appears and disappears with one confirmed config version.
public enum PreviewRouting {
    /// The pinned route for a header preview; nil for canaries and for a preview port (which is a listener instead).
    public static func pinnedRoute(for spec: Rollout.Spec) -> PinnedRoute? {
        guard case .blueGreen(let blueGreen) = spec.strategy, case .header(let name, let value) = blueGreen.preview
        else { return nil }
        return PinnedRoute(
            match: RouteMatch(name: "preview", headers: [name.lowercased(): escaped(value)]),
            service: blueGreen.previewService)
    }

    /// The preview port and the service behind it, if the rollout asks for one.
    public static func previewPort(for spec: Rollout.Spec) -> (port: Int, service: String)? {
        guard case .blueGreen(let blueGreen) = spec.strategy, case .port(let port) = blueGreen.preview else { return nil }
        return (port, blueGreen.previewService)
    }

    /// The value as a regex matching exactly itself (sidecar header matches are whole-value regexes).
    static func escaped(_ value: String) -> String {
        var out = ""
        for character in value {
            if "\\^$.|?*+()[]{}/-".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
