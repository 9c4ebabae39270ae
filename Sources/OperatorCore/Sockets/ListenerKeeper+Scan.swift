import Foundation
import Logging
import ProcessRuntime
import SidecarConfig

#if canImport(Glibc)
import Glibc
#endif

extension ListenerKeeper {
    /// A running process whose listening sockets on `ports` the keeper should hold.
    struct Listening {
        var instance: String
        var pid: Int32
        var ports: Set<Int>
    }

    /// Takes a copy of each listening socket of running processes on their ports that is not held: the gateway's after
    /// an operator restart, after a Service was added in place (the gateway bound its listener itself) and after a
    /// new-before-old replacement (the new gateway bound its own); a sidecar's that bound its own outbound socket (one
    /// started beside its predecessor in a data-plane upgrade, `adopt`). Found through /proc/net/tcp (a listening
    /// socket's inode) and /proc/PID/fd, copied with `pidfd_getfd`: as `adopt`, it needs the right to ptrace the
    /// process (root or CAP_SYS_PTRACE); without it a port stays unheld until the process's next start, which gets its
    /// ports passed, and the refusal is logged once per instance. At most one look per `scanInterval` for all of them
    /// (/proc/net/tcp lists every TCP socket of the machine), and none while every port is held.
    func adoptListening(_ processes: [Listening], now: ContinuousClock.Instant = .now) {
        let wanted = processes.compactMap { process -> Listening? in
            var process = process
            process.ports = process.ports.filter { sockets[$0] == nil }
            return process.ports.isEmpty || adoptionTried.contains(process.instance) ? nil : process
        }
        guard !wanted.isEmpty else { return }
        if let last = lastScan, now - last < Self.scanInterval { return }
        lastScan = now
        let inodes = Self.listeningInodes(ports: wanted.reduce(into: Set<Int>()) { $0.formUnion($1.ports) })
        guard !inodes.isEmpty else { return }
        for process in wanted { hold(inodes.filter { process.ports.contains($0.value) }, of: process) }
    }

    /// Copies the sockets `inodes` (inode -> port) that `process` has open.
    private func hold(_ inodes: [UInt64: Int], of process: Listening) {
        let found = Self.socketDescriptors(of: process.pid).compactMap { fd, inode in inodes[inode].map { (fd, $0) } }
        guard !found.isEmpty else { return }
        let pidfd = ProcessDescriptor.open(process.pid)
        guard pidfd >= 0 else { return }
        defer { close(pidfd) }
        for (target, port) in found where sockets[port] == nil {
            let fd = ProcessDescriptor.copy(target, from: pidfd)
            guard fd >= 0 else {
                adoptionTried.insert(process.instance)
                logger.warning("""
                    cannot hold the listening socket 127.0.0.1:\(port) of \(process.instance) (pid \(process.pid)): \
                    pidfd_getfd: \(String(cString: strerror(errno))); until it restarts, a kill of it refuses \
                    connections to its ports while it restarts
                    """)
                return
            }
            guard InheritedListener.problem(fd, port: port) == nil else { close(fd); continue }
            keep(fd, port: port)
            logger.info("holds the listening socket 127.0.0.1:\(port) of \(process.instance) (pid \(process.pid))")
        }
    }

    static let scanInterval: Duration = .seconds(2)

    /// Inode -> port of the listening TCP sockets on 127.0.0.1:`ports` (every process's: the caller matches them to
    /// one process's descriptors). /proc/net/tcp is read a line at a time, up to 64 MiB (~400,000 sockets): under load
    /// it runs to megabytes (a soak's was ~6 MB), which read whole cost the operator a 6 MB allocation per look.
    static func listeningInodes(ports: Set<Int>) -> [UInt64: Int] {
        var inodes: [UInt64: Int] = [:]
        var header = true
        ProcFile.forEachLine("/proc/net/tcp", chunk: 65536, maxBytes: 64 << 20) { line in
            defer { header = false }
            guard !header, let (inode, port) = listener(line), ports.contains(port) else { return true }
            inodes[inode] = port
            return true
        }
        return inodes
    }

    /// The inode and port of a /proc/net/tcp line when it is a TCP_LISTEN socket on 127.0.0.1.
    private static func listener(_ line: ArraySlice<UInt8>) -> (UInt64, Int)? {
        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
        let fields = line.split(separator: 0x20, maxSplits: 10, omittingEmptySubsequences: true)
        guard fields.count > 9, fields[3].elementsEqual("0A".utf8) else { return nil }  // TCP_LISTEN
        let local = fields[1].split(separator: UInt8(ascii: ":"))
        guard local.count == 2, local[0].elementsEqual("0100007F".utf8),
              let port = Int(String(decoding: local[1], as: UTF8.self), radix: 16),
              let inode = UInt64(String(decoding: fields[9], as: UTF8.self)) else { return nil }
        return (inode, port)
    }

    /// fd -> socket inode of every socket `pid` has open.
    static func socketDescriptors(of pid: Int32) -> [(Int32, UInt64)] {
        let directory = "/proc/\(pid)/fd"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var buffer = [CChar](repeating: 0, count: 64)
        return entries.compactMap { entry -> (Int32, UInt64)? in
            guard let fd = Int32(entry) else { return nil }
            let length = readlink("\(directory)/\(entry)", &buffer, buffer.count - 1)
            guard length > 0 else { return nil }
            let target = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard target.hasPrefix("socket:["), target.hasSuffix("]"),
                  let inode = UInt64(target.dropFirst(8).dropLast()) else { return nil }
            return (fd, inode)
        }
    }
}
