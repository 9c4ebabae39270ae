import NIOCore

extension ProxyServer {
    /// How long a drain waits, at most, for keep-alive clients to take their `connection: close` and go.
    static let lameDuckLimit = Duration.seconds(1)

    /// Tells every loop to end each connection after its next response, then waits until no client connection is
    /// left or `limit` passed (an idle client that sends nothing is closed by the drain that follows).
    func lameDuck(limit: Duration) async {
        for loop in loopList { try? await loop.eventLoop.submit { loop.stopKeepAlive() }.get() }
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            var open = 0
            for loop in loopList { open += (try? await loop.eventLoop.submit { loop.openConnections }.get()) ?? 0 }
            if open == 0 { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}
