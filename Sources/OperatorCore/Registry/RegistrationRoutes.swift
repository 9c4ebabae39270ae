import Foundation
import OperatorAPI

/// `/v1/registrations`: served on the operator's Unix socket, and on its loopback HTTP listener for programs that
/// cannot use a socket, there only with `Authorization: Bearer TOKEN` (the token in `STATE/registration.token`).
///
/// - `POST /v1/registrations` `{"service","address","ttl"}`: register or renew → 200 with the instance;
/// - `POST /v1/registrations/heartbeat` `{"service","address"}` → 200, or 404 when not registered (register again);
/// - `POST /v1/registrations/deregister` `{"service","address"}` → 200, or 404;
/// - `GET /v1/registrations` → every registered instance.
///
/// Refusals are 400 (bad request), 403 (the Service does not allow registration), 404 (no such Service or
/// instance), always with every problem in `errors`; nothing is registered then.
struct RegistrationRoutes: Sendable {
    let loop: ReconcileLoop

    static func handles(_ path: String) -> Bool { path == "/v1/registrations" || path.hasPrefix("/v1/registrations/") }

    func handle(_ request: APIRequest) async -> APIResponse {
        if request.method == "GET" && request.path == "/v1/registrations" {
            return APIResponse(status: 200, body: JSON.encode(await loop.registrationViews()))
        }
        guard request.method == "POST" || request.method == "PUT" else {
            return Self.refuse(405, ["use POST"])
        }
        guard let body = JSON.decode(RegistrationRequest.self, from: request.body) else {
            return Self.refuse(400, [#"expected a JSON body {"service": NAME, "address": "HOST:PORT", "ttl": "10s"}"#])
        }
        switch request.path {
        case "/v1/registrations":
            return Self.answer(await loop.register(body))
        case "/v1/registrations/heartbeat":
            return Self.answer(await loop.heartbeat(body))
        case "/v1/registrations/deregister":
            switch await loop.deregister(body) {
            case .success: return APIResponse(status: 200, json: #"{"deregistered":true}"#)
            case .failure(let failure): return Self.refuse(failure.status, failure.errors)
            }
        default:
            return Self.refuse(404, ["no such endpoint"])
        }
    }

    private static func answer(_ result: Result<RegistrationView, RegistrationFailure>) -> APIResponse {
        switch result {
        case .success(let view): APIResponse(status: 200, body: JSON.encode(view))
        case .failure(let failure): refuse(failure.status, failure.errors)
        }
    }

    private static func refuse(_ status: Int, _ errors: [String]) -> APIResponse {
        APIResponse(status: status, body: JSON.encode(RegistrationRefusal(errors: errors)))
    }
}
