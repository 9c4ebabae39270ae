import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

extension KeepAliveClient {
    /// One call of a batch.
    public struct Call: Sendable {
        public var port: Int
        public var method: String
        public var target: String
        public var body: [UInt8]

        public init(port: Int, method: String, target: String, body: [UInt8] = []) {
            self.port = port
            self.method = method
            self.target = target
            self.body = body
        }
    }

    /// Sends every call at once and waits for all the answers, in the calls' order.
    ///
    /// The operator pushes a change to up to 201 proxies; with `send` each call was a task and two hops between
    /// Swift's executor and an event loop (~115 µs of the operator's CPU per call). Here each call is chained on its
    /// connection's event loop as futures and the caller waits once, for all of them. A kept connection that fails
    /// is tried once more on a new one, as `send` does. `answered` is told each call's index as its answer (or
    /// failure) comes in, on the connection's event loop (the operator's trace of a push times them).
    public func sendAll(_ calls: [Call], timeout: Duration, answered: (@Sendable (Int) -> Void)? = nil) async
        -> [Result<APIResponse, APIClientError>]
    {
        guard !calls.isEmpty else { return [] }
        let host = self.host
        let authorization = self.authorization
        let futures = calls.map { call -> EventLoopFuture<APIResponse> in
            /// The call on `connection`, which is kept for the next call when the answer allows.
            func exchange(on connection: Connection) -> EventLoopFuture<APIResponse> {
                connection.exchangeFuture(call.method, call.target, body: call.body, host: host,
                                          authorization: authorization, timeout: timeout)
                    .map { reply in
                        self.keep(connection, port: call.port, if: reply.keepAlive)
                        return reply.response
                    }
            }
            func fresh() -> EventLoopFuture<APIResponse> {
                connectFuture(port: call.port).flatMap { connection in
                    exchange(on: connection).flatMapErrorThrowing { error in
                        connection.close()
                        throw error
                    }
                }
            }
            guard let kept = take(call.port) else { return fresh() }
            return exchange(on: kept).flatMapError { _ in
                kept.close()
                return fresh()
            }
        }
        if let answered {
            for (index, future) in futures.enumerated() { future.whenComplete { _ in answered(index) } }
        }
        let loop = MultiThreadedEventLoopGroup.singleton.any()
        guard let results = try? await EventLoopFuture.whenAllComplete(futures, on: loop).get() else {
            return calls.map { _ in .failure(.transport("batch failed")) }
        }
        return zip(calls, results).map { call, result in
            result.mapError { error in
                if let error = error as? IOError, error.errnoCode == ECONNREFUSED {
                    return .connectionRefused("\(host):\(call.port)")
                }
                return .transport("\(error)")
            }
        }
    }
}
