#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
// `timespec`'s members are found in whichever C module first included its header (AccessLogWriter.swift says the
// same of `stat` and `timeval`); MemberImportVisibility wants that module imported, and it differs between builds.
#if canImport(CoreFoundation)
import CoreFoundation
#endif
#if canImport(CNIOLinux)
import CNIOLinux
#endif

/// The wall clock (`CLOCK_REALTIME`), which every process on the machine reads alike: an access log line's time
/// stamp, and when a configuration began to be served (`GET /config/version`'s `appliedAt`, which a bench sets beside
/// its own clock to time a change to the proxy without polling the proxy meanwhile).
enum WallClock {
    /// Nanoseconds since the Unix epoch.
    static func nanoseconds() -> Int64 {
        var spec = timespec()
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
