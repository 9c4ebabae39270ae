import Foundation
import MeshIdentity
import MeshStore
import OperatorAPI

/// `meshctl identity rotate` (`POST /v1/identity/rotate`): replaces the trust anchor with no outage window, in the
/// CA's three steps with every running proxy re-issued after each (docs/identity.md, "Rotation"):
///
/// 1. a new anchor is added: trusted by every proxy re-issued after this, while the old anchor still signs;
/// 2. the new anchor signs: every proxy gets a leaf from it (peers trust it since step 1);
/// 3. the old anchor is retired: no leaf from it is left in use, so no handshake can need it.
///
/// A step is taken only when every proxy took the one before (its admin `POST /identity/renew` answered with the
/// expected signer), so no proxy ever meets a leaf from an anchor it does not trust. A proxy that fails stops the
/// rotation where it is, which is always safe (both anchors trusted); running it again picks up from there.
struct IdentityRotation {
    let authority: IdentityAuthority
    let store: SQLiteStore
    let prober: Prober

    enum Failure: Error, CustomStringConvertible {
        case proxiesFailed(step: String, proxies: [String])
        var description: String {
            switch self {
            case .proxiesFailed(let step, let proxies):
                return "\(step): \(proxies.count) prox\(proxies.count == 1 ? "y" : "ies") could not be re-issued "
                    + "(\(proxies.joined(separator: ", "))); both anchors stay trusted; run `meshctl identity rotate` again to continue"
            }
        }
    }

    func run() async throws -> RotationReport {
        var report = RotationReport(steps: [])
        if await !authority.isRotating {
            let added = try await authority.addAnchor()
            report.steps.append(try await reissue("add anchor \(added)"))
        }
        try await authority.promoteNewest()
        report.steps.append(try await reissue("sign with anchor \(await authority.signingGeneration)"))
        let retired = try await authority.retireAllButNewest()
        report.steps.append(try await reissue("retire anchor\(retired.count == 1 ? "" : "s") \(retired.map(String.init).joined(separator: ", "))"))
        report.anchor = await authority.signingGeneration
        return report
    }

    /// Every running proxy (sidecars and the gateway, not draining nor exited: a restarted one gets a current leaf at start) renews now; each is tried three times, 1 s apart.
    private func reissue(_ step: String) async throws -> RotationReport.Step {
        let signer = await authority.signingGeneration
        let proxies = try await store.processes().filter {
            $0.role != .workload && $0.state == "running"
        }
        let prober = self.prober
        let failed = await withTaskGroup(of: String?.self) { group in
            for proxy in proxies {
                let port = proxy.portMap["admin"] ?? 0
                group.addTask {
                    for attempt in 0..<3 {
                        if attempt > 0 { try? await Task.sleep(for: .seconds(1)) }
                        if await prober.renewIdentity(adminPort: port) == signer { return nil }
                    }
                    return proxy.id
                }
            }
            var failed: [String] = []
            for await result in group { if let result { failed.append(result) } }
            return failed.sorted()
        }
        guard failed.isEmpty else { throw Failure.proxiesFailed(step: step, proxies: failed) }
        return RotationReport.Step(step: step, reissued: proxies.count)
    }
}
