import Foundation
import Logging
import Manifests
import MeshStore

extension ReconcileLoop {
    /// Deletes every FaultInjection whose `expiresAt` has passed (a chaos session that ends by itself: `meshctl fault
    /// inject --for 2m`). The deletion is a store write like any other, so the next pass compiles the mesh without
    /// the fault and pushes it to every proxy. A fault re-applied meanwhile (a new resourceVersion) is left alone.
    /// - Returns: seconds until the next fault expires, so the loop wakes for it; nil when none will.
    func expireFaults(snapshot: MeshSnapshot, now: Date = Date()) async -> Double? {
        var next: Double?
        for object in snapshot.objects {
            guard let fault = object.faultInjection, let expiresAt = fault.spec.expiresAt else { continue }
            let left = expiresAt.timeIntervalSince(now)
            if left > 0 {
                next = min(next ?? left, left)
                continue
            }
            guard let stored = snapshot.stored(.faultInjection, fault.metadata.name) else { continue }
            do {
                _ = try await store.delete(stored.key, expectedResourceVersion: stored.resourceVersion)
                logger.info("fault injection expired", metadata: ["name": "\(fault.metadata.name)",
                                                                  "service": "\(fault.spec.service)"])
            } catch {
                logger.warning("could not delete an expired fault injection",
                               metadata: ["name": "\(fault.metadata.name)", "error": "\(error)"])
            }
        }
        return next
    }
}
