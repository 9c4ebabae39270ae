import NIOCore
import NIOHTTP1
import NIOPosix

extension APIServer {
    /// Serves the same handler on a TCP address instead of the Unix socket: the operator's read-only HTTP listener
    /// (`/metrics` and the dashboard), which a browser or a Prometheus server can reach. Bind 127.0.0.1 only: there
    /// is no authentication. Port 0 picks a free port; `onListening` gets the bound one. Serves until cancelled.
    public func runTCP(host: String, port: Int, onListening: @Sendable (Int) -> Void = { _ in }) async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port, childChannelInitializer: Self.httpConnection)
        onListening(server.channel.localAddress?.port ?? port)
        await acceptUntilCancelled(server)
    }
}
