import Dispatch

extension ProxyOptions {
    /// Serves exactly as `run()` does, called from a synchronous `main`: the main thread waits here until the proxy
    /// has drained and stopped.
    ///
    /// Why not an `async` main: Swift parks the main thread of an async main with `dispatch_main()`, which ends it
    /// with `pthread_exit`. glibc then force-unwinds that thread's stack: it binary-searches the binary's
    /// `.eh_frame_hdr` and reads `.eh_frame`, and with the kernel's 64 KB fault-around that maps ~0.8 MB of the
    /// binary that nothing else ever touches, resident for the proxy's whole life (docs/performance.md, "idle RSS").
    /// Nothing in the proxy runs on the main actor, so no work waits for the main thread.
    public func runOnBlockedMainThread() throws {
        let outcome = Outcome()
        Task.detached { [self] in
            do {
                try await run()
            } catch {
                outcome.error = error
            }
            outcome.done.signal()
        }
        outcome.done.wait()
        if let error = outcome.error { throw error }
    }
}

/// How `run()` ended, handed from its task to the waiting main thread: `error` is written before `done` is signalled
/// and read after it is waited on, so the semaphore orders the two accesses.
private final class Outcome: @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    var error: (any Error)?
}
