import Synchronization

/// An async mutual exclusion that does not block a thread: `acquire()` suspends until every earlier holder has
/// called `release()`, first come first served. `ProxyServer.apply` uses it so two configuration pushes arriving
/// together cannot both bind the same new listener.
final class SerialGate: Sendable {
    private struct State {
        var held = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    func acquire() async {
        await withCheckedContinuation { continuation in
            let acquired = state.withLock { s -> Bool in
                guard s.held else {
                    s.held = true
                    return true
                }
                s.waiters.append(continuation)
                return false
            }
            if acquired { continuation.resume() }
        }
    }

    /// Takes the gate when nobody holds it, without waiting; false when it is held.
    func tryAcquire() -> Bool {
        state.withLock { s in
            guard !s.held else { return false }
            s.held = true
            return true
        }
    }

    /// Hands the gate to the next waiter, if any.
    func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard !s.waiters.isEmpty else {
                s.held = false
                return nil
            }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}
