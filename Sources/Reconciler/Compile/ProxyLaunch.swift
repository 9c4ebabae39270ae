#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How sidecars and the gateway are started: the lean `mesh-proxy` executable when it sits next to `meshctl` (it
/// links only the data plane, so each proxy idles in less memory; docs/performance.md), else `meshctl proxy`. Both
/// take the same flags.
public struct ProxyLaunch: Sendable {
    /// The executable; the operator hashes it for the data-plane version (`MeshInputs.dataPlaneVersion`).
    public var executable: String
    /// The words before the flags.
    var prefix: [String]

    /// Every proxy the operator runs binds with `SO_REUSEPORT`, so its replacement can start beside it.
    static let reusePort = "--reuse-port"

    /// The flags every proxy the operator runs gets besides its config and admin address: the admin secret, and
    /// the identity it asks the operator's CA for (`identity`: its Service, or `gateway`). In the revision too, so
    /// proxies started before a flag existed are replaced by ones that have it.
    static func commonFlags(_ inputs: MeshInputs, identity: String) -> [String] {
        [reusePort] + (inputs.adminTokenPath.map { ["--admin-token-file", $0] } ?? [])
            + (inputs.identitySocket.map { ["--identity-service", identity, "--identity-socket", $0] } ?? [])
    }

    public init(meshctlPath: String) {
        let lean = Self.leanPath(nextTo: meshctlPath)
        if let lean, access(lean, X_OK) == 0 {
            executable = lean
            prefix = [lean]
        } else {
            executable = meshctlPath
            prefix = [meshctlPath, "proxy"]
        }
    }

    /// `DIR/mesh-proxy` for `DIR/meshctl`; nil for a bare name (found through PATH, so no directory to look in).
    static func leanPath(nextTo meshctlPath: String) -> String? {
        guard let slash = meshctlPath.lastIndex(of: "/") else { return nil }
        return String(meshctlPath[...slash]) + "mesh-proxy"
    }

    /// A proxy's revision: its data-plane version, a dot, and a digest of the rest of what it is started with
    /// (`parts`: the executable's path, its flags). The version leads so that a process record alone says which
    /// data plane the process runs (`dataPlane(ofRevision:)`), also for an operator started after it.
    static func revision(dataPlane: String?, _ parts: [String]) -> String {
        let digest = PortBook.digest(parts)
        guard let dataPlane, !dataPlane.isEmpty else { return digest }
        return "\(dataPlane).\(digest)"
    }

    /// The data-plane version a proxy's revision starts with; nil for a revision without one (a workload, or a
    /// proxy started while the executable could not be read).
    public static func dataPlane(ofRevision revision: String) -> String? {
        guard let dot = revision.firstIndex(of: "."), dot != revision.startIndex else { return nil }
        return String(revision[..<dot])
    }
}
