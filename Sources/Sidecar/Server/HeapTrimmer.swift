import NIOCore
import Prometheus
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Gives the C heap's free pages back to the system (`malloc_trim(0)`) a while after the proxy freed memory in bulk:
/// connections closed (each mTLS connection holds tens of KB of buffers and TLS state), a configuration swapped.
///
/// Why: under churn a proxy's memory in use stays level, but its RSS did not. In a gateway under the chaos soak's
/// mixed churn (docs/performance.md, issue 13) glibc held 18.9 MB from minute 5 on while 12-13 MB were in use; the
/// 6 MB between them were free chunks scattered over the arenas, and as allocations wandered over them more of those
/// pages became resident: RSS crept up ~1.8 MB per 10 minutes with nothing leaking, and `malloc_trim(0)` gave 3.1 MB
/// back at once. glibc returns free memory by itself only from the top of a heap. HAProxy trims for the same reason
/// when it releases its pools.
///
/// At most one trim per `delay`, and none while nothing is freed: an idle proxy is not woken up. `noteFreed()` is one
/// atomic load when a trim is already due, so connection closes can call it.
final class HeapTrimmer: Sendable {
    /// How long after memory was freed the heap is trimmed (and so at most how often).
    static let defaultDelay = TimeAmount.seconds(30)

    private let eventLoop: any EventLoop
    private let delay: TimeAmount
    private let release: @Sendable () -> Void
    private let due = Atomic<Bool>(false)
    private let trims: Counter

    init(eventLoop: any EventLoop, delay: TimeAmount, registry: PrometheusCollectorRegistry,
         release: @escaping @Sendable () -> Void = HeapTrimmer.trimMallocHeap) {
        self.eventLoop = eventLoop
        self.delay = delay
        self.release = release
        self.trims = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                metricName: "mesh_heap_trims", unitName: "total",
                helpText: "Times the proxy gave the C heap's free pages back to the system (malloc_trim) after connections closed or a configuration changed."))
    }

    /// Memory was freed in bulk: trims `delay` from now, unless a trim is already due.
    func noteFreed() {
        guard !due.load(ordering: .relaxed),
            due.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        eventLoop.scheduleTask(in: delay) { [self] in
            due.store(false, ordering: .releasing)
            release()
            trims.increment()
        }
    }

    /// glibc: returns every whole free page of every arena (`madvise(MADV_DONTNEED)`), not only the heaps' tops.
    /// Looked up by name: `<malloc.h>` is not in the Glibc module, and another C library has no such call.
    static let trimMallocHeap: @Sendable () -> Void = {
        _ = mallocTrim?(0)
    }

    private typealias Trim = @convention(c) (Int) -> Int32
    private static let mallocTrim: Trim? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim")
        .map { unsafeBitCast($0, to: Trim.self) }
}
