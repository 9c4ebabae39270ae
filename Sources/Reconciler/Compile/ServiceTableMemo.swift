import SidecarConfig
import Synchronization

/// Each sidecar's service table (its scope's services, then its own local service) as the last compile built it,
/// reused while the scope's table is the very same array and the local service is unchanged.
///
/// A change of routing alone reuses the last plans (`PlanMemo`), so the mesh's service table is the same array from
/// one compile to the next; each sidecar's table is that array plus one service. Copying it for 200 sidecars (100
/// services each, every field retained) and then freeing the last compile's 200 copies was the largest part of a
/// weight change's compile at 100 services × 2. A reused table is one buffer shared by two compiles' configurations,
/// which also makes comparing them (the push's patch diff) a pointer comparison.
/// One memo lives as long as the operator's loop, in its `PlanMemo`; sidecars a compile did not build are dropped.
public final class ServiceTableMemo: Sendable {
    private struct Entry: Sendable {
        /// The scope's table this was built from: held, so that its buffer cannot be freed and its address reused.
        var shared: [ServiceConfig]
        var local: ServiceConfig
        var table: [ServiceConfig]
    }

    private let state = Mutex<(entries: [SlotID: Entry], used: Set<SlotID>)>(([:], []))

    public init() {}

    /// `shared + [local]`, the same array as last time when `shared` is the same array and `local` is equal.
    func table(_ shared: [ServiceConfig], local: ServiceConfig, for slot: SlotID) -> [ServiceConfig] {
        let reused = state.withLock { state -> [ServiceConfig]? in
            state.used.insert(slot)
            guard let entry = state.entries[slot], Self.sameArray(entry.shared, shared), entry.local == local else { return nil }
            return entry.table
        }
        if let reused { return reused }
        let table = shared + [local]
        state.withLock { $0.entries[slot] = Entry(shared: shared, local: local, table: table) }
        return table
    }

    /// Forgets the sidecars the compile that just ended did not build.
    func sweep() {
        state.withLock { state in
            state.entries = state.entries.filter { state.used.contains($0.key) }
            state.used.removeAll(keepingCapacity: true)
        }
    }

    /// Whether `a` and `b` share one buffer (and so, held as `a` is, one content).
    static func sameArray(_ a: [ServiceConfig], _ b: [ServiceConfig]) -> Bool {
        guard a.count == b.count else { return false }
        guard !a.isEmpty else { return true }
        return a.withUnsafeBufferPointer { x in b.withUnsafeBufferPointer { y in x.baseAddress == y.baseAddress } }
    }
}
