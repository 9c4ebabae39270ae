import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A client on its own thread that connects to 127.0.0.1:`port` in a tight loop (a new connection each millisecond,
/// closed at once) and counts the refused ones: what a workload calling its sidecar sees while nothing listens.
/// Bounded to 60,000 attempts and 2 minutes.
final class ConnectLoop: Sendable {
    struct Counts: Sendable {
        var connected = 0
        var refused = 0
        var otherErrors = 0
    }

    let port: Int
    private let state = Mutex((counts: Counts(), running: false))
    private let finished = DispatchSemaphore(value: 0)

    init(port: Int) {
        self.port = port
    }

    var counts: Counts { state.withLock { $0.counts } }

    func start() {
        state.withLock { $0.running = true }
        Thread.detachNewThread { [self] in
            let deadline = Date().addingTimeInterval(120)
            for _ in 0..<60_000 where state.withLock({ $0.running }) && Date() < deadline {
                let outcome = Self.connectOnce(port: port)
                state.withLock { s in
                    switch outcome {
                    case 0: s.counts.connected += 1
                    case ECONNREFUSED: s.counts.refused += 1
                    default: s.counts.otherErrors += 1
                    }
                }
                usleep(1_000)
            }
            finished.signal()
        }
    }

    /// Stops the loop and waits (at most 10 s) for its last attempt. Safe to call twice.
    func stop() {
        let wasRunning = state.withLock { s in
            defer { s.running = false }
            return s.running
        }
        if wasRunning { _ = finished.wait(timeout: .now() + 10) }
    }

    /// 0 when connected, else the errno of `connect`.
    private static func connectOnce(port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        let connected = connectLoopback(fd, port: port)
        return connected == 0 ? 0 : errno
    }
}
