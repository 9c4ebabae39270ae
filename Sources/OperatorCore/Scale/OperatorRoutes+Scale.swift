import Foundation
import Manifests
import MeshStore
import OperatorAPI

extension OperatorRoutes {
    /// `POST /v1/scale`: the stored Service with `spec.replicas` replaced, applied as a whole (the same checks as
    /// `meshctl apply`, guarded by the resourceVersion read here, so a write in between is a 409, never lost), with
    /// the source it was applied from kept (`apply --prune` still owns it). The reconcile loop then starts the new
    /// replicas, or drains the removed ones (out of every proxy first, then SIGTERM: docs/discovery.md).
    func scale(_ request: APIRequest) async throws -> APIResponse {
        guard let body = JSON.decode(ScaleRequest.self, from: request.body) else {
            return Self.scaleRefused(400, ["malformed scale request"])
        }
        let kind = ManifestKind.service.rawValue
        guard let stored = try await store.objects(kind: kind).first(where: { $0.key.name == body.service }) else {
            return Self.scaleRefused(404, ["service/\(body.service) not found"])
        }
        guard var spec = try JSONSerialization.jsonObject(with: stored.spec) as? [String: Any],
              spec["command"] != nil
        else {
            return Self.scaleRefused(422, [
                "service/\(body.service) runs no command (it is served by endpoints, registrations or a split): "
                    + "nothing to scale"
            ])
        }
        if spec["autoscale"] != nil {
            return Self.scaleRefused(409, [
                "service/\(body.service) is autoscaled (spec.autoscale): its count follows its request rate; change "
                    + "autoscale's min and max, or remove autoscale to scale it by hand"
            ])
        }
        spec["replicas"] = body.replicas
        let specJSON = String(decoding: try JSONSerialization.data(withJSONObject: spec, options: [.sortedKeys]),
                              as: UTF8.self)
        let document = ManifestObject.storedDocument(
            apiVersion: stored.apiVersion, kind: kind, name: body.service, labels: stored.labels,
            annotations: stored.annotations, specJSON: specJSON)
        let apply = ApplyRequest(
            files: [.init(name: "service/\(body.service)", content: document)], source: stored.source,
            resourceVersions: ["\(kind)/\(body.service)": stored.resourceVersion])
        return try await self.apply(APIRequest(method: "POST", path: "/v1/apply", body: JSON.encode(apply)))
    }

    private static func scaleRefused(_ status: Int, _ errors: [String]) -> APIResponse {
        APIResponse(status: status, body: JSON.encode(ApplyResponse(errors: errors)))
    }
}
