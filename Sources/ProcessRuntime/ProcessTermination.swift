import Synchronization

/// A process of this runtime has ended; reported at once, so the reconciler can react instead of waiting for its next
/// periodic pass: a child when it is reaped, a process adopted from an earlier operator (once `observe` has seen it
/// running) when its process descriptor says it ended. `observe` remains the source of truth.
public struct ProcessTermination: Sendable, Hashable {
    public var handle: ProcessHandle
    /// How it ended; nil for an adopted process (its status goes to its own parent, not to us).
    public var status: ExitStatus?

    public init(handle: ProcessHandle, status: ExitStatus?) {
        self.handle = handle
        self.status = status
    }
}

/// Fans terminations out to any number of listeners.
final class TerminationFeed: Sendable {
    private struct State {
        var nextID = 0
        var continuations: [Int: AsyncStream<ProcessTermination>.Continuation] = [:]
    }

    private let state = Mutex(State())

    func stream() -> AsyncStream<ProcessTermination> {
        // A listener that falls behind keeps the newest; it re-observes everything on its next pass anyway.
        let (stream, continuation) = AsyncStream.makeStream(
            of: ProcessTermination.self,
            bufferingPolicy: .bufferingNewest(256)
        )
        let id = state.withLock { state in
            state.nextID += 1
            state.continuations[state.nextID] = continuation
            return state.nextID
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.continuations.removeValue(forKey: id) }
        }
        return stream
    }

    func yield(_ termination: ProcessTermination) {
        // Outside the lock: a continuation may run its termination handler, which takes the lock.
        let continuations = state.withLock { Array($0.continuations.values) }
        for continuation in continuations {
            continuation.yield(termination)
        }
    }
}
