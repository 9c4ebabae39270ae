import NIOCore
import NIOHTTP1
import NIOPosix

extension APIServer {
    typealias Connection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

    /// The child-channel initializer both listeners use: an HTTP/1.1 server pipeline behind an async channel.
    static func httpConnection(_ channel: any Channel) -> EventLoopFuture<Connection> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.configureHTTPServerPipeline()
            return try Connection(wrappingChannelSynchronously: channel)
        }
    }

    /// Serves every accepted connection until the surrounding task is cancelled, then stops without an error.
    ///
    /// Cancelling the task that iterates the accepted connections would drop any connection NIO had already accepted
    /// and buffered, whose writer then traps on deinit ("Deinited NIOAsyncWriter without calling finish()",
    /// apple/swift-nio#2813) — a crash on `meshctl down` about one time in six. So the accept loop runs in a task of
    /// its own that cancellation does not reach: cancellation closes the listener, the loop takes every connection
    /// still buffered until the sequence ends, and only then are the open connections (keep-alive clients, watch
    /// streams) cancelled, each closed by its own `executeThenClose`.
    func acceptUntilCancelled(_ server: NIOAsyncChannel<Connection, Never>) async {
        let accepting = Task {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await serve(connection) }
                    }
                }
                group.cancelAll()
            }
        }
        await withTaskCancellationHandler {
            _ = await accepting.result
        } onCancel: {
            server.channel.close(promise: nil)
        }
    }
}
