#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOHTTP1
import NIOPosix
import SidecarConfig

/// The admin endpoint (127.0.0.1 only): readiness, configuration read and hot swap, drain, metrics and stats.
/// Off the hot path, so it uses NIOHTTP1 and async channels for clarity. Who may change what: `AdminGuard`.
enum AdminServer {
    /// Largest accepted `PUT /config` body.
    static let maxBody = 4 * 1024 * 1024

    static func bind(server: ProxyServer, group: any EventLoopGroup, address: HostPort) async throws -> any Channel {
        guard address.host == "127.0.0.1" || address.host == "::1" || address.host == "localhost" else {
            throw ConfigError(problems: [.init(path: "admin", message: "the admin endpoint binds loopback only")])
        }
        let listener = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: address.host, port: address.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(
                        wrappingChannelSynchronously: channel)
                }
            }
        let channel = listener.channel
        Task {
            try? await listener.executeThenClose { inbound in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in inbound {
                        group.addTask { await serve(connection, server: server) }
                    }
                }
            }
        }
        return channel
    }

    private static func serve(
        _ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, server: ProxyServer
    ) async {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead? = nil
            var body = ByteBuffer()
            for try await part in inbound {
                switch part {
                case .head(let h):
                    head = h
                    body.clear()
                case .body(var chunk):
                    if body.readableBytes + chunk.readableBytes <= maxBody { body.writeBuffer(&chunk) }
                case .end:
                    guard let h = head else { continue }
                    var (status, contentType, text) = (HTTPResponseStatus.unauthorized, "text/plain",
                                                       "this admin request needs Authorization: Bearer <token>\n")
                    if server.adminGuard.verdict(for: h) == .allowed {
                        (status, contentType, text) = await respond(h, body: body, server: server)
                    }
                    var headers = HTTPHeaders()
                    if status == .unauthorized { headers.add(name: "www-authenticate", value: "Bearer") }
                    headers.add(name: "content-type", value: contentType)
                    headers.add(name: "content-length", value: "\(text.utf8.count)")
                    try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers)))
                    try await outbound.write(.body(.byteBuffer(ByteBuffer(string: text))))
                    try await outbound.write(.end(nil))
                    if h.method == .POST && h.uri == "/drain" && status == .accepted { server.beginDrain() }
                }
            }
        }
    }

    private static func respond(_ head: HTTPRequestHead, body: ByteBuffer, server: ProxyServer) async
        -> (HTTPResponseStatus, String, String)
    {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        switch (head.method, path) {
        case (.GET, "/ready"):
            return server.isReady ? (.ok, "text/plain", "ready\n") : (.serviceUnavailable, "text/plain", "not ready\n")
        case (.GET, "/config"):
            return (.ok, "application/json", String(decoding: server.configurationAnswer(), as: UTF8.self))
        case (.GET, "/config/version"):
            // What the operator polls every pass: the active version alone, without encoding the whole config.
            return (.ok, "application/json", "{\"version\":\(jsonString(server.configuration.version))}\n")
        case (.PUT, "/config"):
            do {
                let config = try SidecarConfiguration.decode(json: Data(body.readableBytesView))
                try server.adminGuard.checkPushed(config)
                try await server.apply(config)
                return (.ok, "application/json", "{\"version\":\(jsonString(config.version))}\n")
            } catch {
                return (.badRequest, "application/json", errorsJSON(error))
            }
        case (.PATCH, "/config"):
            // Only the mesh tables, on top of the version the sender believes we run (`SidecarConfigPatch`).
            let patch: SidecarConfigPatch
            do {
                patch = try SidecarConfigPatch.decode(json: Data(body.readableBytesView))
            } catch {
                return (.badRequest, "application/json", errorsJSON(error))
            }
            do throws(ProxyServer.PatchError) {
                try await server.apply(patch)
                return (.ok, "application/json", "{\"version\":\(jsonString(patch.version))}\n")
            } catch {
                switch error {
                case .conflict(let running):
                    return (.conflict, "application/json", errorsJSON(ConfigError(problems: [.init(
                        path: "base", message: "this proxy runs version \(running), not \(patch.base); send the whole configuration with PUT")])))
                case .invalid(let problems):
                    return (.badRequest, "application/json", errorsJSON(problems))
                }
            }
        case (.POST, "/drain"):
            return (.accepted, "text/plain", "draining\n")
        case (.POST, "/identity/renew"):
            guard let renew = server.options.renewIdentity else { return (.notFound, "text/plain", "this proxy has no identity\n") }
            do {
                return (.ok, "application/json", try await renew())
            } catch {
                return (.serviceUnavailable, "text/plain", "renewal failed: \(error)\n")
            }
        case (.GET, "/metrics"):
            return (.ok, "text/plain; version=0.0.4", await server.metricsText())
        case (.GET, "/stats"):
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            let data = (try? encoder.encode(await server.stats())) ?? Data()
            return (.ok, "application/json", String(decoding: data, as: UTF8.self) + "\n")
        case (_, "/ready"), (_, "/config"), (_, "/config/version"), (_, "/drain"), (_, "/metrics"), (_, "/stats"):
            return (.methodNotAllowed, "text/plain", "method not allowed\n")
        default:
            return (.notFound, "text/plain", "not found\n")
        }
    }

    private static func errorsJSON(_ error: ConfigError) -> String {
        let problems = error.problems.map { "{\"path\":\(jsonString($0.path)),\"message\":\(jsonString($0.message))}" }
        return "{\"errors\":[\(problems.joined(separator: ","))]}\n"
    }

    private static func jsonString(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
