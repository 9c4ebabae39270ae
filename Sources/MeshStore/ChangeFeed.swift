import Synchronization

/// Fans committed changes out to any number of watchers. In-process only: the operator is the store's one writer.
final class ChangeFeed: Sendable {
    private struct State {
        var nextID = 0
        var continuations: [Int: AsyncStream<StoreChange>.Continuation] = [:]
        var finished = false
    }

    private let state = Mutex(State())

    func stream() -> AsyncStream<StoreChange> {
        // Watchers re-read the store on each change, so only the newest few notifications matter.
        let (stream, continuation) = AsyncStream.makeStream(of: StoreChange.self, bufferingPolicy: .bufferingNewest(16))
        let id: Int? = state.withLock { state in
            guard !state.finished else { return nil }
            state.nextID += 1
            state.continuations[state.nextID] = continuation
            return state.nextID
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.continuations.removeValue(forKey: id) }
        }
        return stream
    }

    func yield(_ change: StoreChange) {
        // Yield outside the lock: a continuation may run its termination handler, which takes the lock.
        let continuations = state.withLock { Array($0.continuations.values) }
        for continuation in continuations {
            continuation.yield(change)
        }
    }

    func finish() {
        let continuations = state.withLock { state in
            state.finished = true
            defer { state.continuations = [:] }
            return Array(state.continuations.values)
        }
        for continuation in continuations {
            continuation.finish()
        }
    }
}
