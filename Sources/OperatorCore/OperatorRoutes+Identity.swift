import Foundation
import MeshIdentity
import MeshStore
import OperatorAPI

extension OperatorRoutes {
    /// Signs a proxy's CSR as the Service it names (or the gateway). The key stays with the proxy.
    /// `meshctl identity rotate`: the three steps, every running proxy re-issued after each (`IdentityRotation`).
    func rotateAnchor() async -> APIResponse {
        guard let identity else { return APIResponse(status: 503, json: #"{"error":"identity is off"}"#) }
        do {
            let report = try await IdentityRotation(authority: identity, store: store, prober: loop.prober).run()
            return APIResponse(status: 200, body: JSON.encode(report))
        } catch {
            return APIResponse(status: 409, body: JSON.encode(["error": "\(error)"]))
        }
    }

    func issueCertificate(_ request: APIRequest) async throws -> APIResponse {
        guard let identity else { return APIResponse(status: 503, json: #"{"error":"identity is off"}"#) }
        guard let ask = try? JSONDecoder().decode(CertificateRequest.self, from: Data(request.body)) else {
            return APIResponse(status: 400, json: #"{"error":"expected {\"service\": NAME, \"csr\": PEM}"}"#)
        }
        let services = try await store.objects(kind: "Service")
        let known = ask.service == "gateway" || services.contains { $0.key.name == ask.service }
        guard known else {
            return APIResponse(status: 404, body: JSON.encode(["error": "no Service \(ask.service)"]))
        }
        do {
            let issued = try await identity.issue(csrPEM: ask.csr, service: ask.service, askedLifetime: ask.lifetimeSeconds)
            return APIResponse(status: 200, body: JSON.encode(issued))
        } catch {
            return APIResponse(status: 400, body: JSON.encode(["error": "\(error)"]))
        }
    }
}
