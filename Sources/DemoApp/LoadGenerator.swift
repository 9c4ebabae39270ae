import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// Steady HTTP/1.1 load over keep-alive connections to one loopback address, counting answers per version (the
/// `x-demo-version` header) and every request that got no answer from a workload at all.
public final class LoadGenerator: Sendable {
    public struct Counts: Sendable, Hashable {
        /// Answers by version and status class, e.g. counts["v2"]?["2xx"].
        public var byVersion: [String: [String: Int]] = [:]
        /// Requests answered by the proxy itself (no version header) or not answered at all.
        public var lost = 0
        public var lostReasons: [String: Int] = [:]

        public var total: Int { byVersion.values.flatMap(\.values).reduce(0, +) + lost }

        public func count(_ version: String, _ statusClass: String? = nil) -> Int {
            guard let classes = byVersion[version] else { return 0 }
            if let statusClass { return classes[statusClass] ?? 0 }
            return classes.values.reduce(0, +)
        }

        /// What happened between two snapshots.
        public func minus(_ earlier: Counts) -> Counts {
            var delta = Counts()
            for (version, classes) in byVersion {
                for (statusClass, count) in classes {
                    delta.byVersion[version, default: [:]][statusClass] = count - (earlier.byVersion[version]?[statusClass] ?? 0)
                }
            }
            delta.lost = lost - earlier.lost
            for (reason, count) in lostReasons { delta.lostReasons[reason] = count - (earlier.lostReasons[reason] ?? 0) }
            return delta
        }
    }

    private let counts = NIOLockedValueBox(Counts())
    private let running = NIOLockedValueBox(true)
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    public init() {}

    public var snapshot: Counts { counts.withLockedValue { $0 } }

    /// Runs `connections` request loops against `port` with `host` as Host header until `stop()`.
    public func run(port: Int, host: String, connections: Int) async {
        await withTaskGroup(of: Void.self) { tasks in
            for _ in 0..<connections {
                tasks.addTask { await self.loop(port: port, host: host) }
            }
        }
    }

    public func stop() { running.withLockedValue { $0 = false } }

    public func shutdown() async { try? await group.shutdownGracefully() }

    private var isRunning: Bool { running.withLockedValue { $0 } }

    private func record(version: String?, status: Int) {
        counts.withLockedValue { counts in
            guard let version else {
                counts.lost += 1
                counts.lostReasons["\(status)", default: 0] += 1
                return
            }
            counts.byVersion[version, default: [:]]["\(status / 100)xx", default: 0] += 1
        }
    }

    private func lose(_ reason: String) {
        counts.withLockedValue { counts in
            counts.lost += 1
            counts.lostReasons[reason, default: 0] += 1
        }
    }

    /// One connection's life: connect, send requests one after another, reconnect when the server closes.
    private func loop(port: Int, host: String) async {
        while isRunning {
            do {
                let channel = try await ClientBootstrap(group: group)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .connect(host: "127.0.0.1", port: port) { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHTTPClientHandlers()
                            return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                                wrappingChannelSynchronously: channel)
                        }
                    }
                try await channel.executeThenClose { inbound, outbound in
                    var responses = inbound.makeAsyncIterator()
                    while isRunning {
                        var headers = HTTPHeaders()
                        headers.add(name: "host", value: host)
                        try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/",
                                                                       headers: headers)))
                        try await outbound.write(.end(nil))
                        var version: String?
                        var status = 0
                        var closing = false
                        responseLoop: while let part = try await responses.next() {
                            switch part {
                            case .head(let head):
                                status = Int(head.status.code)
                                version = head.headers.first(name: "x-demo-version")
                                closing = !head.isKeepAlive
                            case .body:
                                break
                            case .end:
                                break responseLoop
                            }
                        }
                        guard status > 0 else {
                            lose("connection closed")  // the connection ended with the request unanswered
                            return
                        }
                        record(version: version, status: status)
                        if closing { return }
                    }
                }
            } catch {
                if isRunning {
                    lose("connection error")
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
        }
    }
}
