import CConcurrencyHook
import NIOCore

/// Runs every job of Swift concurrency's global executor (each `Task`, each `async` function not isolated to an
/// actor) on one event loop instead of libdispatch's worker threads, the way NIO's
/// `NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()` does for its singleton
/// group. `mesh-proxy` installs it for the loop on its main thread, so the admin API, configuration pushes and drain
/// run on the thread that serves and the process keeps one thread (docs/performance.md, "one thread").
///
/// Only the global executor's plain enqueue is redirected: a `Task.sleep` still wakes on libdispatch (the drain's
/// deadline, the identity renewal's wait), whose threads then come and go.
enum GlobalExecutorOnLoop {
    /// Set once, before the hook: the hook is a thin function and cannot capture it.
    nonisolated(unsafe) private static var loop: (any EventLoop)?

    /// The hook's type in the runtime: the job, and the function it replaces.
    private typealias EnqueueGlobalHook = @convention(thin) (UnownedJob, @convention(thin) (UnownedJob) -> Void) -> Void

    /// Call once, on `loop`'s thread, before any task exists; false when another hook is already installed.
    static func install(_ loop: any EventLoop) -> Bool {
        let slot = mesh_enqueue_global_hook()
        guard slot.pointee == nil else { return false }
        Self.loop = loop
        let hook: EnqueueGlobalHook = { job, _ in GlobalExecutorOnLoop.loop!.enqueue(ExecutorJob(job)) }
        // A thin function is one code pointer, which is what the runtime's variable holds.
        slot.pointee = withUnsafeBytes(of: hook) { UnsafeMutableRawPointer(mutating: $0.load(as: UnsafeRawPointer.self)) }
        return true
    }
}
