import Foundation

/// The CPU time the operator process has used, every thread (`clock()`, which glibc reads from
/// `CLOCK_PROCESS_CPUTIME_ID`), for the trace log: a pass's phases give their CPU beside their wall time, and the CPU
/// used between passes (the API, the event loops' own work) is told apart. On two cores shared with the proxies, a
/// change's latency follows the CPU it costs.
enum ProcessCPUClock {
    /// Milliseconds of CPU since the process started.
    static func milliseconds() -> Double {
        Double(clock()) * 1000 / Double(CLOCKS_PER_SEC)
    }
}
