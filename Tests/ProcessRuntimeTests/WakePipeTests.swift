import Glibc
import Testing
import WakePipe

/// The wake pipe's promises to its three users: a wake never blocks (not even on a full pipe, as a signal handler
/// must not), neither end reaches a child, and a drain leaves nothing pending.
@Suite("WakePipe")
struct WakePipeTests {
    @Test func bothEndsAreNonBlockingAndCloseOnExec() throws {
        let pipe = try WakePipe.open().get()
        defer { pipe.close() }
        for end in [pipe.readEnd, pipe.writeEnd] {
            #expect(fcntl(end, F_GETFL) & O_NONBLOCK != 0)
            #expect(fcntl(end, F_GETFD) & FD_CLOEXEC != 0)
        }
    }

    @Test func wakingAFullPipeReturnsAndOneDrainEmptiesWhatAPollSees() throws {
        let pipe = try WakePipe.open().get()
        defer { pipe.close() }
        // 70,000 one-byte wakes overfill the 64 KiB pipe; with a blocking write end this call would never return.
        for _ in 0..<70_000 { pipe.wake() }
        #expect(readable(pipe.readEnd))
        // A drain reads a bounded batch: wake-ups are idempotent, so what a poll loop needs is that a drain after a
        // single wake leaves the read end quiet.
        for _ in 0..<2_000 { pipe.drain() }
        #expect(!readable(pipe.readEnd))
        pipe.wake()
        #expect(readable(pipe.readEnd))
        pipe.drain()
        #expect(!readable(pipe.readEnd))
    }

    private func readable(_ descriptor: Int32) -> Bool {
        var polled = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&polled, 1, 0) == 1
    }
}
