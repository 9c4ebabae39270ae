import Glibc

/// Linux process descriptors (`pidfd_open` 5.3+, `pidfd_getfd` 5.6+), looked up rather than linked: declared with the
/// C calling convention, and absent from C libraries before glibc 2.36. The one home for both calls: the adopted-exit
/// watcher waits on them, the operator's listener keeper copies a sidecar's socket through them.
public enum ProcessDescriptor {
    private typealias Open = @convention(c) (pid_t, UInt32) -> Int32
    private typealias GetFD = @convention(c) (Int32, Int32, UInt32) -> Int32

    private static let openCall: Open? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pidfd_open")
        .map { unsafeBitCast($0, to: Open.self) }
    private static let getFDCall: GetFD? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "pidfd_getfd")
        .map { unsafeBitCast($0, to: GetFD.self) }

    /// Whether this C library has both calls.
    public static var isAvailable: Bool { openCall != nil && getFDCall != nil }

    /// A descriptor for `pid` (close-on-exec), or -1 with `errno` set (also when the call is missing: ENOSYS).
    public static func open(_ pid: pid_t) -> Int32 {
        guard let openCall else { errno = ENOSYS; return -1 }
        return openCall(pid, 0)
    }

    /// A copy (close-on-exec) of descriptor `target` of the process behind `pidfd`, or -1 with `errno` set.
    public static func copy(_ target: Int32, from pidfd: Int32) -> Int32 {
        guard let getFDCall else { errno = ENOSYS; return -1 }
        return getFDCall(pidfd, target, 0)
    }
}
