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
/// One handler a connection (`AdminHandler`) frames and answers the requests. Who may change what: `AdminGuard`.
enum AdminServer {
    /// Largest accepted request body (a `PUT /config`); a larger one is answered 413.
    static let maxBody = 4 * 1024 * 1024

    /// What an admin request is answered with: status, content type, body.
    typealias Answer = (status: HTTPResponseStatus, contentType: String, text: String)

    /// An answer made at once, or one to wait for.
    enum Reply {
        case now(Answer)
        case later(EventLoopFuture<Answer>)
    }

    static func bind(server: ProxyServer, group: any EventLoopGroup, address: HostPort) async throws -> any Channel {
        guard address.host == "127.0.0.1" || address.host == "::1" || address.host == "localhost" else {
            throw ConfigError(problems: [.init(path: "admin", message: "the admin endpoint binds loopback only")])
        }
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AdminHandler(server: server))
                }
            }
            .bind(host: address.host, port: address.port).get()
    }

    /// The answer to `request`: at once on the connection's event loop (`answerOnLoop`), else from a task
    /// (`respond`).
    static func answer(_ request: AdminRequest, server: ProxyServer, eventLoop: any EventLoop) -> Reply {
        if request.verdict != .allowed {
            return .now((.unauthorized, "text/plain", "this admin request needs Authorization: Bearer <token>\n"))
        }
        if request.refusal == .tooLarge {
            return .now((.payloadTooLarge, "text/plain", "request body larger than \(maxBody) bytes\n"))
        }
        if let reply = answerOnLoop(request, server: server, eventLoop: eventLoop) { return reply }
        let promise = eventLoop.makePromise(of: Answer.self)
        promise.completeWithTask { await respond(request, server: server) }
        return .later(promise.futureResult)
    }

    /// The answers made on the admin connection's own event loop, with no task: what the operator asks of every
    /// proxy on every pass (`GET /config/version`) and on every weight change (`PATCH /config`). Nil for the rest,
    /// which `respond` answers.
    private static func answerOnLoop(_ request: AdminRequest, server: ProxyServer, eventLoop: any EventLoop) -> Reply? {
        switch (request.method, request.path) {
        case (.get, "/ready"):
            return .now(server.isReady ? (.ok, "text/plain", "ready\n") : (.serviceUnavailable, "text/plain", "not ready\n"))
        case (.get, "/config/version"):
            // The active version alone, without encoding the whole config, and since when it is served.
            let (version, appliedAt) = server.servedVersion
            return .now((.ok, "application/json",
                "{\"version\":\(jsonString(version)),\"appliedAt\":\(WallClock.seconds(appliedAt))}\n"))
        case (.patch, "/config"):
            // Only the mesh tables, on top of the version the sender believes we run (`SidecarConfigPatch`).
            let patch: SidecarConfigPatch
            switch request.body.withUnsafeReadableBytes(SidecarConfigPatch.decode(bytes:)) {
            case .success(let decoded): patch = decoded
            case .failure(let error): return .now((.badRequest, "application/json", errorsJSON(error)))
            }
            switch server.apply(patch, from: eventLoop) {
            case .done(let error):
                return .now(patchAnswer(patch, error))
            case .pending(let applied):
                return .later(applied.map { patchAnswer(patch, nil) }.recover { error in
                    guard let refusal = error as? ProxyServer.PatchError else {
                        return (.internalServerError, "text/plain", "\(error)\n")
                    }
                    return patchAnswer(patch, refusal)
                })
            }
        default:
            return nil
        }
    }

    /// What a patch is answered with once applied, or refused with `error`.
    private static func patchAnswer(_ patch: SidecarConfigPatch, _ error: ProxyServer.PatchError?) -> Answer {
        switch error {
        case nil:
            return (.ok, "application/json", "{\"version\":\(jsonString(patch.version))}\n")
        case .conflict(let running):
            return (.conflict, "application/json", errorsJSON(ConfigError(problems: [.init(
                path: "base", message: "this proxy runs version \(running), not \(patch.base); send the whole configuration with PUT")])))
        case .invalid(let problems):
            return (.badRequest, "application/json", errorsJSON(problems))
        }
    }

    /// Everything `answerOnLoop` leaves: off the hot path, as a task.
    static func respond(_ request: AdminRequest, server: ProxyServer) async -> Answer {
        let body = request.body
        switch (request.method, request.path) {
        case (.get, "/config"):
            return (.ok, "application/json", String(decoding: server.configurationAnswer(), as: UTF8.self))
        case (.put, "/config"):
            do {
                let config = try SidecarConfiguration.decode(json: Data(body.readableBytesView))
                try server.adminGuard.checkPushed(config)
                try await server.apply(config)
                return (.ok, "application/json", "{\"version\":\(jsonString(config.version))}\n")
            } catch {
                return (.badRequest, "application/json", errorsJSON(error))
            }
        case (.post, "/drain"):
            return (.accepted, "text/plain", "draining\n")
        case (.get, "/identity"):
            // The certificate presented now (serial, validity), so a renewal can be watched from outside.
            guard let leaf = server.options.meshTLS?.leaf else { return (.notFound, "text/plain", "this proxy has no identity\n") }
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.sortedKeys]
            let data = (try? encoder.encode(leaf)) ?? Data()
            return (.ok, "application/json", String(decoding: data, as: UTF8.self) + "\n")
        case (.post, "/identity/renew"):
            guard let renew = server.options.renewIdentity else { return (.notFound, "text/plain", "this proxy has no identity\n") }
            do {
                return (.ok, "application/json", try await renew())
            } catch {
                return (.serviceUnavailable, "text/plain", "renewal failed: \(error)\n")
            }
        case (.get, "/metrics"):
            return (.ok, "text/plain; version=0.0.4", await server.metricsText())
        case (.get, "/stats"):
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            let data = (try? encoder.encode(await server.stats())) ?? Data()
            return (.ok, "application/json", String(decoding: data, as: UTF8.self) + "\n")
        case (_, "/ready"), (_, "/config"), (_, "/config/version"), (_, "/drain"), (_, "/metrics"), (_, "/stats"),
             (_, "/identity"):
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
        // A version (what every patch's answer carries) is plain printable ASCII: quoted as it is, without an
        // encoder per answer. Anything JSONEncoder would escape (quote, backslash, slash, controls) goes through it.
        let plain = text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") && $0 != UInt8(ascii: "/") }
        if plain { return "\"" + text + "\"" }
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
