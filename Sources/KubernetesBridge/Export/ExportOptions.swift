/// What a Kubernetes export targets: which mesh enforces traffic policy, which controller runs rollouts, which API
/// carries splits, and where workloads' images come from.
public struct ExportOptions: Sendable, Hashable {
    public enum Mesh: String, Sendable, Hashable, CaseIterable {
        case linkerd
        case istio
    }

    public enum RolloutController: String, Sendable, Hashable, CaseIterable {
        case flagger
        case argo
    }

    public enum SplitAPI: String, Sendable, Hashable, CaseIterable {
        /// Gateway API HTTPRoute with weighted backendRefs (GAMMA): what Linkerd and Istio both read today.
        case gateway
        /// SMI TrafficSplit, for Linkerd with linkerd-smi.
        case smi
    }

    public var mesh: Mesh
    public var rollouts: RolloutController
    public var split: SplitAPI
    /// Written into every object's metadata; nil keeps each object's own namespace (or none).
    public var namespace: String?
    public var images: ImageMap

    public init(
        mesh: Mesh = .linkerd,
        rollouts: RolloutController = .flagger,
        split: SplitAPI = .gateway,
        namespace: String? = nil,
        images: ImageMap = ImageMap()
    ) {
        self.mesh = mesh
        self.rollouts = rollouts
        self.split = split
        self.namespace = namespace
        self.images = images
    }
}
