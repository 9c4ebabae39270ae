import NIOCore
import NIOHTTP1
import NIOConcurrencyHelpers
import NIOPosix

/// The demo workload's HTTP server: one event-loop thread, keep-alive, `/` answers with the version (or a 500 at the
/// configured rate) after the configured latency; `/healthz` always answers 200.
public final class DemoServer: Sendable {
    public let options: DemoAppOptions
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel

    /// The port actually bound (useful when `options.port` is 0).
    public var port: Int { channel.localAddress?.port ?? options.port }

    private init(options: DemoAppOptions, group: MultiThreadedEventLoopGroup, channel: any Channel) {
        self.options = options
        self.group = group
        self.channel = channel
    }

    /// Binds and starts serving.
    public static func start(_ options: DemoAppOptions) async throws -> DemoServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let injector = NIOLockedValueBox(ErrorInjector(rate: options.errorRate))
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { channel in
                    channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                        try channel.pipeline.syncOperations.addHandler(
                            DemoHandler(options: options, injector: injector))
                    }
                }
                .bind(host: options.host, port: options.port).get()
            return DemoServer(options: options, group: group, channel: channel)
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
    }

    /// Resolves when the listening socket is closed (by `stop()`).
    public func waitUntilClosed() async throws {
        try await channel.closeFuture.get()
    }

    /// Stops listening and releases the event loop.
    public func stop() async throws {
        try? await channel.close()
        try await group.shutdownGracefully()
    }
}
