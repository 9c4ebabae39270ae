#if canImport(Glibc)
import Glibc
#endif

/// How the operator hands a gateway the listening sockets it keeps open across the gateway's restarts (socket
/// activation for a proxy with many listeners): before the start, one datagram carrying every socket (`SCM_RIGHTS`)
/// is queued on a Unix socket pair whose other end becomes the gateway's standard input, and this environment
/// variable says how many it carries. The gateway takes them at start-up and accepts from each instead of binding its
/// address, so while no gateway runs (killed, restarting) the kernel queues clients' connections instead of refusing
/// them. (A sidecar has one such socket: it is its standard input itself, `InheritedListener`.)
public enum ListenerPassing {
    /// `MESH_LISTENERS_PASSED=6`: fd 0 is a Unix socket with one datagram queued carrying 6 listening sockets.
    public static let environmentVariable = "MESH_LISTENERS_PASSED"
    /// Far above any gateway's listener count; a datagram carries at most 253 descriptors (`SCM_MAX_FD`).
    public static let limit = 253

    /// A Unix datagram socket pair (close-on-exec both): `send` writes on the first, the second is the child's stdin.
    public static func pair() -> (sender: Int32, receiver: Int32)? {
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            return nil
        }
        return (ends[0], ends[1])
    }

    /// Queues one datagram carrying `descriptors` (they stay open here too). False when the kernel refuses it.
    public static func send(_ descriptors: [Int32], on socket: Int32) -> Bool {
        guard !descriptors.isEmpty, descriptors.count <= limit else { return false }
        var byte: UInt8 = 0
        var control = [UInt8](repeating: 0, count: space(descriptors.count))
        return withUnsafeMutablePointer(to: &byte) { bytePointer in
            var io = iovec(iov_base: UnsafeMutableRawPointer(bytePointer), iov_len: 1)
            return control.withUnsafeMutableBytes { buffer -> Bool in
                let header = buffer.baseAddress!.assumingMemoryBound(to: cmsghdr.self)
                header.pointee.cmsg_len = Int(headerLength + descriptors.count * MemoryLayout<Int32>.size)
                header.pointee.cmsg_level = SOL_SOCKET
                header.pointee.cmsg_type = Int32(SCM_RIGHTS)
                let data = buffer.baseAddress!.advanced(by: headerLength).assumingMemoryBound(to: Int32.self)
                for (index, fd) in descriptors.enumerated() { data[index] = fd }
                return withUnsafeMutablePointer(to: &io) { ioPointer in
                    var message = msghdr(msg_name: nil, msg_namelen: 0, msg_iov: ioPointer, msg_iovlen: 1,
                                         msg_control: buffer.baseAddress, msg_controllen: buffer.count, msg_flags: 0)
                    return sendmsg(socket, &message, 0) == 1
                }
            }
        }
    }

    /// The descriptors (close-on-exec) of the datagram queued on `socket`, at most `count`; empty when there is none
    /// (nothing is waited for: the datagram was queued before this process started).
    public static func receive(from socket: Int32, count: Int) -> [Int32] {
        guard count > 0, count <= limit else { return [] }
        var byte: UInt8 = 0
        var control = [UInt8](repeating: 0, count: space(count))
        return withUnsafeMutablePointer(to: &byte) { bytePointer in
            var io = iovec(iov_base: UnsafeMutableRawPointer(bytePointer), iov_len: 1)
            return control.withUnsafeMutableBytes { buffer -> [Int32] in
                withUnsafeMutablePointer(to: &io) { ioPointer in
                    var message = msghdr(msg_name: nil, msg_namelen: 0, msg_iov: ioPointer, msg_iovlen: 1,
                                         msg_control: buffer.baseAddress, msg_controllen: buffer.count, msg_flags: 0)
                    guard recvmsg(socket, &message, Int32(MSG_DONTWAIT) | Int32(MSG_CMSG_CLOEXEC)) >= 0,
                          message.msg_controllen >= headerLength else { return [] }
                    let header = buffer.baseAddress!.assumingMemoryBound(to: cmsghdr.self).pointee
                    guard header.cmsg_level == SOL_SOCKET, header.cmsg_type == Int32(SCM_RIGHTS) else { return [] }
                    let received = (Int(header.cmsg_len) - headerLength) / MemoryLayout<Int32>.size
                    let data = buffer.baseAddress!.advanced(by: headerLength).assumingMemoryBound(to: Int32.self)
                    return (0..<max(0, received)).map { data[$0] }
                }
            }
        }
    }

    /// `CMSG_LEN(0)` and `CMSG_SPACE(n * 4)` (Swift sees neither macro): the header, and header plus data rounded up
    /// to the header's alignment.
    private static let headerLength = (MemoryLayout<cmsghdr>.size + MemoryLayout<Int>.size - 1) & ~(MemoryLayout<Int>.size - 1)
    private static func space(_ count: Int) -> Int {
        let data = count * MemoryLayout<Int32>.size
        return headerLength + (data + MemoryLayout<Int>.size - 1) & ~(MemoryLayout<Int>.size - 1)
    }
}
