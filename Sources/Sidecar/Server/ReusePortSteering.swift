import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Makes the newest of two `SO_REUSEPORT` listeners on one address take every new connection.
///
/// Why: with plain `SO_REUSEPORT` the kernel spreads new connections over every socket of the address by a hash,
/// and a socket that closes resets the connections still waiting in its accept queue. A proxy replaced
/// new-before-old (the gateway on a new binary, a sidecar's outbound port) would then refuse a few connections the
/// moment the old one stops listening. Here each listener attaches a one-instruction classic BPF program to its
/// port's group (`SO_ATTACH_REUSEPORT_CBPF`; the program belongs to the group, the last one attached wins) that
/// answers "socket 1": the second socket of the group, which is the one that joined last. With a single socket the
/// answer is out of range and the kernel falls back to its hash, i.e. to that socket. So once the replacement has
/// bound, the old socket gets no new connection, and by the time it is asked to drain its queue is empty.
///
/// Linux only (3.9+ for `SO_REUSEPORT`, 4.5+ for the program); elsewhere connections are spread by the kernel.
enum ReusePortSteering {
    #if os(Linux)
    /// `SO_ATTACH_REUSEPORT_CBPF` from `<asm-generic/socket.h>` (Glibc does not export it).
    private static let attachReusePortCBPF: Int32 = 51

    /// `struct sock_filter`.
    private struct Instruction {
        var code: UInt16
        var jumpTrue: UInt8
        var jumpFalse: UInt8
        var k: UInt32
    }

    /// `struct sock_fprog`: the kernel copies the instructions during `setsockopt`.
    private struct Program: @unchecked Sendable {
        var length: UInt16
        var instructions: UnsafeMutablePointer<Instruction>
    }

    /// `BPF_RET | BPF_K` with k = 1: "the group's socket at index 1". Allocated once and never freed, so the pointer
    /// stays valid however late the event loop runs the `setsockopt`.
    private static let returnSecond: Program = {
        let instructions = UnsafeMutablePointer<Instruction>.allocate(capacity: 1)
        instructions.initialize(to: Instruction(code: 0x06, jumpTrue: 0, jumpFalse: 0, k: 1))
        return Program(length: 1, instructions: instructions)
    }()

    static func preferNewest(_ channel: any Channel) async throws {
        guard let provider = channel as? any SocketOptionProvider else { return }
        try await provider.unsafeSetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(attachReusePortCBPF), value: returnSecond
        ).get()
    }
    #else
    static func preferNewest(_ channel: any Channel) async throws {}
    #endif
}
