import Foundation
import Synchronization

/// A client on its own thread sending one request per fresh connection (so every request is also a new connection
/// the listener must accept) until stopped, bounded to 10,000 requests and 5 minutes.
final class RequestLoop: Sendable {
    struct Counts: Sendable {
        var ok = 0
        var failed = 0
        /// The first few failures, for the test's message.
        var failures: [String] = []
    }

    let port: Int
    let host: String
    private let state = Mutex((counts: Counts(), running: false))
    private let finished = DispatchSemaphore(value: 0)

    /// GET by default; a POST is one a proxy may not send twice, so a failure reaches the client.
    let method: String

    /// The size of each request's body (POST): past 64 KiB a proxy cannot send it again, not even after a refused
    /// connection, so a request sent to a stopped endpoint fails where the client sees it.
    let bodyBytes: Int

    init(port: Int, host: String, method: String = "GET", bodyBytes: Int = 0) {
        self.port = port
        self.host = host
        self.method = method
        self.bodyBytes = bodyBytes
    }

    var counts: Counts { state.withLock { $0.counts } }

    func start() {
        state.withLock { $0.running = true }
        Thread.detachNewThread { [self] in
            let deadline = Date().addingTimeInterval(300)
            for _ in 0..<10_000 where state.withLock({ $0.running }) && Date() < deadline {
                let answer = LoopbackGet.get(port: port, host: host, method: method, bodyBytes: bodyBytes)
                state.withLock { s in
                    if answer?.status == 200 {
                        s.counts.ok += 1
                    } else {
                        s.counts.failed += 1
                        if s.counts.failures.count < 5 {
                            s.counts.failures.append(answer.map { "\($0.status) \($0.body.prefix(80))" } ?? "no answer")
                        }
                    }
                }
                Thread.sleep(forTimeInterval: 0.005)
            }
            finished.signal()
        }
    }

    /// Stops the loop and waits (at most 10 s) for its last request. Safe to call twice.
    func stop() {
        let wasRunning = state.withLock { s in
            defer { s.running = false }
            return s.running
        }
        if wasRunning { _ = finished.wait(timeout: .now() + 10) }
    }
}
