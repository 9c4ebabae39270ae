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
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        onListening(server.channel.localAddress?.port ?? port)
        try await withTaskCancellationHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await serve(connection) }
                    }
                }
            }
        } onCancel: {
            server.channel.close(promise: nil)
        }
    }
}
