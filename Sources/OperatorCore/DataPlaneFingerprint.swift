import Foundation
import Reconciler
import Synchronization

#if canImport(Glibc)
import Glibc
#endif
// `stat`'s and `timeval`'s members are found in whichever C module first included their header once swift-crypto
// and swift-nio-ssl are in the graph; MemberImportVisibility wants that module imported.
#if canImport(CoreFoundation)
import CoreFoundation
#endif
#if canImport(CNIOLinux)
import CNIOLinux
#endif

/// The data-plane version: a content hash of the proxy executable the operator launches (`ProxyLaunch.executable`),
/// 16 hex digits. A `mesh-proxy` rebuilt or copied in place gets a new version, which is a new revision for every
/// proxy, so sidecars and the gateway are replaced by the planner's usual rules (one replica at a time per group, new
/// before old).
///
/// Every pass asks; the file is read again only when its size, modification time, inode or device changed (a `stat`
/// per pass, a full read per new binary: ~40 MB for a debug `mesh-proxy`).
enum DataPlaneFingerprint {
    private struct Seen {
        var size: Int64
        var modified: timespec
        var inode: UInt64
        var device: UInt64
        var version: String

        func matches(_ info: stat) -> Bool {
            size == Int64(info.st_size) && modified.tv_sec == info.st_mtim.tv_sec
                && modified.tv_nsec == info.st_mtim.tv_nsec && inode == UInt64(info.st_ino)
                && device == UInt64(info.st_dev)
        }
    }

    /// By path: the process keeps one cache, whichever loop asks.
    private static let cache = Mutex<[String: Seen]>([:])

    /// The version of the executable at `path`; nil when it cannot be read.
    static func version(of path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        if let seen = cache.withLock({ $0[path] }), seen.matches(info) { return seen.version }
        guard let version = hash(path: path) else { return nil }
        // Stat again: a file replaced while it was read is hashed again on the next pass rather than cached as this.
        var after = stat()
        guard stat(path, &after) == 0 else { return version }
        let seen = Seen(size: Int64(info.st_size), modified: info.st_mtim, inode: UInt64(info.st_ino),
                        device: UInt64(info.st_dev), version: version)
        if seen.matches(after) { cache.withLock { $0[path] = seen } }
        return version
    }

    /// FNV-1a over the file's 8-byte words (the tail zero-padded) and its length: a fingerprint that tells builds
    /// apart, not a defence against someone forging a binary (whoever can write the executable runs code anyway).
    static func hash(path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var length: UInt64 = 0
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk + 8, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer.baseAddress, chunk)
            if count < 0 { return nil }
            if count == 0 { break }
            length += UInt64(count)
            let padded = (count + 7) / 8 * 8
            for index in count..<padded { buffer[index] = 0 }
            for index in 0..<(padded / 8) {
                hash ^= buffer.load(fromByteOffset: index * 8, as: UInt64.self)
                hash &*= 0x0000_0100_0000_01b3
            }
        }
        hash ^= length
        hash &*= 0x0000_0100_0000_01b3
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
