#if canImport(Glibc)
import Glibc
/// Named through its module: with MemberImportVisibility a bare `timespec` resolves to the copy NIO's C shims
/// declare, whose members this file may not use.
private typealias TimeSpec = Glibc.timespec
#elseif canImport(Darwin)
import Darwin
private typealias TimeSpec = Darwin.timespec
#endif

/// The wall clock (`CLOCK_REALTIME`), which every process on the machine reads alike: an access log line's time
/// stamp, and when a configuration began to be served (`GET /config/version`'s `appliedAt`, which a bench sets beside
/// its own clock to time a change to the proxy without polling the proxy meanwhile).
enum WallClock {
    /// Nanoseconds since the Unix epoch.
    static func nanoseconds() -> Int64 {
        var spec = TimeSpec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    /// `1765094400.123456`: Unix seconds with microseconds, as a JSON number.
    static func seconds(_ nanoseconds: Int64) -> String {
        let micros = nanoseconds / 1000
        let fraction = String(micros % 1_000_000)
        return "\(micros / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }
}
