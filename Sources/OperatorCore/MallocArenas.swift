#if canImport(Glibc)
import Glibc
#endif

/// Caps how many malloc arenas glibc gives the operator (`mallopt(M_ARENA_MAX, n)`).
///
/// Why: glibc gives each thread that meets a locked arena a new one, up to 8 per core, and keeps each arena's free
/// chunks for that arena. The operator's threads (the NIO loops, the concurrency pool, SQLite's callers) touched 14
/// arenas in a long soak (docs/performance.md, issue 13), and its RSS crept up ~1 MB per 10 minutes with most of the
/// growth free memory held apart in those arenas; `malloc_trim(0)` gave back only 0.2 MB of it. The operator is not
/// on any request path: a little lock contention on two arenas costs it nothing anyone sees. Called first thing,
/// before the operator's threads allocate. Looked up by name: `<malloc.h>` is not in the Glibc module, and another C
/// library has no such call.
enum MallocArenas {
    /// glibc's `M_ARENA_MAX` parameter number (malloc.h).
    private static let arenaMaxParameter: Int32 = -8

    static func limit(to count: Int32) {
        _ = mallopt?(arenaMaxParameter, count)
    }

    private typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    private static let mallopt: Mallopt? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt")
        .map { unsafeBitCast($0, to: Mallopt.self) }
}
