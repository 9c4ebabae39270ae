import Dispatch
import NIOCore
import NIOPosix

extension ProxyOptions {
    /// Serves exactly as `run()` does, called from a synchronous `main` (`mesh-proxy`), and returns once the proxy
    /// has drained and stopped.
    ///
    /// With one event loop (`--threads 1`, what the operator starts) the main thread becomes that loop and Swift
    /// concurrency's jobs run on it too (`GlobalExecutorOnLoop`), so the serving process has exactly one thread:
    /// with a second one, even idle, every descriptor syscall takes the kernel's shared-files path (~60 ns each,
    /// docs/performance.md, "one thread"). With more loops the main thread just waits.
    ///
    /// Why not an `async` main: Swift parks the main thread of an async main with `dispatch_main()`, which ends it
    /// with `pthread_exit`. glibc then force-unwinds that thread's stack: it binary-searches the binary's
    /// `.eh_frame_hdr` and reads `.eh_frame`, and with the kernel's 64 KB fault-around that maps ~0.8 MB of the
    /// binary that nothing else ever touches, resident for the proxy's whole life (docs/performance.md, "idle RSS").
    public func runOnMainThread() throws {
        let outcome = Outcome()
        if threads == 1 {
            MultiThreadedEventLoopGroup.withCurrentThreadAsEventLoop { loop in
                // Not installed (another hook was there first): tasks run on libdispatch, as they do in `meshctl`.
                _ = GlobalExecutorOnLoop.install(loop)
                Task { [self] in
                    do {
                        try await run(eventLoop: loop)
                    } catch {
                        outcome.error = error
                    }
                    loop.shutdownGracefully { _ in }  // ends withCurrentThreadAsEventLoop
                }
            }
        } else {
            Task.detached { [self] in
                do {
                    try await run()
                } catch {
                    outcome.error = error
                }
                outcome.done.signal()
            }
            outcome.done.wait()
        }
        if let error = outcome.error { throw error }
    }
}

/// How `run()` ended, handed from its task to the main thread: `error` is written before the loop stops or `done` is
/// signalled, and read after, so those order the two accesses.
private final class Outcome: @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    var error: (any Error)?
}
