#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How sidecars and the gateway are started: the lean `mesh-proxy` executable when it sits next to `meshctl` (it
/// links only the data plane, so each proxy idles in less memory; docs/performance.md), else `meshctl proxy`. Both
/// take the same flags.
struct ProxyLaunch {
    /// The executable; also what a proxy's revision digests, so switching binaries restarts proxies.
    var executable: String
    /// The words before the flags.
    var prefix: [String]

    /// Every proxy the operator runs binds with `SO_REUSEPORT`, so its replacement can start beside it.
    static let reusePort = "--reuse-port"

    init(meshctlPath: String) {
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
}
