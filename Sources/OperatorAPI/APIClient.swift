import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// Talks to a running operator over its Unix socket: one connection per call, which is plenty for a CLI.
public struct APIClient: Sendable {
    public let socketPath: String

    public init(socketPath: String) {
        self.socketPath = socketPath
    }

    /// Sends one request and reads the whole response.
    public func send(_ method: String, _ target: String, body: [UInt8] = []) async throws(APIClientError) -> APIResponse {
        var response = APIResponse(status: 0, body: [])
        try await exchange(method, target, body: body) { part in
            switch part {
            case .head(let head):
                response.status = Int(head.status.code)
                response.contentType = head.headers.first(name: "content-type") ?? ""
            case .body(var buffer):
                response.body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                break
            }
            return true
        }
        return response
    }

    /// Sends one request and hands every line of a streamed answer to `onLine` until it returns false, the server
    /// ends the stream, or the task is cancelled.
    public func streamLines(_ method: String, _ target: String,
                            onLine: @Sendable (String) async -> Bool) async throws(APIClientError) {
        var pending: [UInt8] = []
        try await exchange(method, target, body: []) { part in
            guard case .body(var buffer) = part else { return true }
            pending += buffer.readBytes(length: buffer.readableBytes) ?? []
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                guard await onLine(line) else { return false }
            }
            return true
        }
    }

    private func exchange(_ method: String, _ target: String, body: [UInt8],
                          onPart: (HTTPClientResponsePart) async -> Bool) async throws(APIClientError) {
        guard access(socketPath, F_OK) == 0 else { throw .operatorNotRunning(socketPath: socketPath) }
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(unixDomainSocketPath: socketPath) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(
                            wrappingChannelSynchronously: channel)
                    }
                }
            try await channel.executeThenClose { inbound, outbound in
                var headers = HTTPHeaders()
                headers.add(name: "host", value: "operator")
                headers.add(name: "content-length", value: String(body.count))
                headers.add(name: "connection", value: "close")
                try await outbound.write(.head(HTTPRequestHead(
                    version: .http1_1, method: HTTPMethod(rawValue: method), uri: target, headers: headers)))
                if !body.isEmpty { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: body)))) }
                try await outbound.write(.end(nil))
                for try await part in inbound {
                    guard await onPart(part) else { return }
                    if case .end = part { return }
                }
            }
        } catch let error as APIClientError {
            throw error
        } catch let error as IOError where error.errnoCode == ECONNREFUSED || error.errnoCode == ENOENT {
            throw .operatorNotRunning(socketPath: socketPath)
        } catch {
            throw .transport("\(error)")
        }
    }
}

public enum APIClientError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No socket, or nobody accepting on it: the operator is not running for this state directory.
    case operatorNotRunning(socketPath: String)
    case transport(String)

    public var description: String {
        switch self {
        case .operatorNotRunning(let path):
            return "no operator is running (no answer on \(path)); start one with `meshctl up`"
        case .transport(let message):
            return "cannot talk to the operator: \(message)"
        }
    }
}
