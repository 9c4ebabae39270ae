import Foundation
import MeshStore
import OperatorAPI

/// The operator's HTTP listener on 127.0.0.1: read-only, so it may be reached without the Unix socket's
/// owner-only check. `/metrics` for Prometheus, the dashboard page and its assets (built into the binary, nothing
/// fetched from elsewhere), and the JSON the page polls.
struct DashboardRoutes: APIHandler {
    let loop: ReconcileLoop
    let store: SQLiteStore
    let history: DashboardHistory
    /// Self-registration for programs that cannot use the Unix socket, with the token (Registry/).
    var registrations: RegistrationRoutes? = nil
    var registrationToken = ""

    func handle(_ request: APIRequest) async -> APIReply {
        if RegistrationRoutes.handles(request.path), let registrations {
            guard RegistrationToken.accepts(request.authorization, token: registrationToken) else {
                return .whole(APIResponse(status: 401, json: #"{"error":"Authorization: Bearer TOKEN required (STATE/registration.token)","errors":["Authorization: Bearer TOKEN required (STATE/registration.token)"]}"#))
            }
            return .whole(await registrations.handle(request))
        }
        guard request.method == "GET" else {
            return .whole(APIResponse(status: 405, json: #"{"error":"read-only: GET only"}"#))
        }
        switch request.path {
        case "/metrics":
            return .whole(await metrics())
        case "/", "/index.html":
            return .whole(asset(DashboardAssets.html, "text/html; charset=utf-8"))
        case "/app.js":
            return .whole(asset(DashboardAssets.script, "text/javascript; charset=utf-8"))
        case "/app.css":
            return .whole(asset(DashboardAssets.style, "text/css; charset=utf-8"))
        case "/api/graph":
            await history.viewed(at: ProcessInfo.processInfo.systemUptime)
            return .whole(json(await history.graph))
        case "/api/rollouts":
            await history.viewed(at: ProcessInfo.processInfo.systemUptime)
            return .whole(json(await history.rollouts))
        case "/healthz":
            return .whole(APIResponse(status: 200, json: #"{"ok":true}"#))
        default:
            return .whole(APIResponse(status: 404, json: #"{"error":"no such page"}"#))
        }
    }

    func metrics() async -> APIResponse {
        let inputs = await loop.dashboardInputs()
        let text = OperatorMetricsText.render(inputs, rollouts: await RolloutTargets.load(from: store),
                                              dashboardSamples: await history.samples)
        return APIResponse(status: 200, contentType: "text/plain; version=0.0.4; charset=utf-8", body: Array(text.utf8))
    }

    private func asset(_ text: String, _ type: String) -> APIResponse {
        APIResponse(status: 200, contentType: type, body: Array(text.utf8))
    }

    private func json(_ value: some Encodable) -> APIResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let body = (try? encoder.encode(value)).map(Array.init) ?? Array("{}".utf8)
        return APIResponse(status: 200, body: body)
    }
}
