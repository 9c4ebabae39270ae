import Foundation
import Manifests
import MeshStore
import OperatorAPI

/// The operator's API over its store: apply (all-or-nothing, every error listed), get, delete, status, watch,
/// shutdown. Writes (OperatorRoutes+Writes.swift) keep the stored mesh valid as a whole and kick the reconcile loop
/// so the world follows at once.
struct OperatorRoutes: APIHandler {
    let store: SQLiteStore
    let loop: ReconcileLoop
    let gatewayPort: Int
    /// The CA that signs the proxies' certificates (OperatorRoutes+Identity.swift); nil: identity is off.
    var identity: IdentityAuthority? = nil
    /// Stored objects' typed values, reused from one write's check to the next.
    let manifests = StoredManifestCache()

    func handle(_ request: APIRequest) async -> APIReply {
        if RegistrationRoutes.handles(request.path) {
            return .whole(await RegistrationRoutes(loop: loop).handle(request))
        }
        do {
            switch (request.method, request.path) {
            case ("GET", "/healthz"):
                return .whole(APIResponse(status: 200, json: #"{"ok":true,"pid":\#(getpid())}"#))
            case ("POST", "/v1/apply"):
                return .whole(try await apply(request))
            case ("GET", "/v1/objects"):
                return .whole(try await objects(kind: request.query["kind"], name: request.query["name"]))
            case ("GET", "/v1/endpoints"):
                return .whole(APIResponse(status: 200, body: JSON.encode(await loop.proxyEndpoints())))
            case ("POST", "/v1/scale"):
                return .whole(try await scale(request))
            case ("POST", "/v1/delete"):
                return .whole(try await delete(request))
            case ("DELETE", "/v1/objects"):
                let key = DeleteRequest.Object(kind: request.query["kind"] ?? "", name: request.query["name"] ?? "")
                return .whole(try await delete(DeleteRequest(objects: [key], cascade: request.query["cascade"] == "true")))
            case ("GET", "/v1/status"):
                return .whole(APIResponse(status: 200, body: JSON.encode(try await statusSnapshot())))
            case ("GET", "/v1/watch"):
                return .lines(watch())
            case ("POST", let path) where path.hasPrefix("/v1/rollouts/"):
                let parts = path.split(separator: "/")  // v1, rollouts, NAME, COMMAND
                guard parts.count == 4 else { return .whole(APIResponse(status: 404, json: #"{"error":"no such endpoint"}"#)) }
                if let problem = await loop.rolloutCommand(String(parts[2]), String(parts[3]),
                                                           full: request.query["full"] == "true") {
                    return .whole(APIResponse(status: 409, body: JSON.encode(["error": problem])))
                }
                return .whole(APIResponse(status: 200, json: #"{"ok":true}"#))
            case ("POST", "/v1/identity/certificates"):
                return .whole(try await issueCertificate(request))
            case ("POST", "/v1/identity/rotate"):
                return .whole(await rotateAnchor())
            case ("POST", "/v1/shutdown"):
                await loop.beginShutdown()
                return .whole(APIResponse(status: 202, json: #"{"stopping":true}"#))
            default:
                return .whole(APIResponse(status: 404, json: #"{"error":"no such endpoint"}"#))
            }
        } catch {
            return .whole(APIResponse(status: 500, body: JSON.encode(["error": "\(error)"])))
        }
    }

    /// What a stale writer needs to know: which object moved, from what to what, and what to do.
    static func explain(_ conflict: StoreError.Conflict) -> String {
        let object = "\(conflict.key.kind)/\(conflict.key.name)"
        let now = conflict.actual.map { "it is at resourceVersion \($0) now" } ?? "it does not exist now"
        let read = conflict.expected == 0 ? "expected it not to exist" : "read resourceVersion \(conflict.expected)"
        return "conflict: \(object) was changed since you read it (you \(read); \(now)); "
            + "get it again, redo your change and apply again"
    }

    /// Kubernetes-shaped objects: the canonical manifest plus generation, resourceVersion, timestamps and status.
    private func objects(kind: String?, name: String?) async throws -> APIResponse {
        var items: [Any] = []
        for stored in try await store.objects(kind: kind) where name == nil || stored.key.name == name {
            let document = ManifestObject.storedDocument(
                apiVersion: stored.apiVersion, kind: stored.key.kind, name: stored.key.name, labels: stored.labels,
                annotations: stored.annotations, specJSON: String(decoding: stored.spec, as: UTF8.self))
            guard var object = try JSONSerialization.jsonObject(with: Data(document.utf8)) as? [String: Any] else {
                continue
            }
            var metadata = object["metadata"] as? [String: Any] ?? [:]
            metadata["generation"] = stored.generation
            metadata["resourceVersion"] = String(stored.resourceVersion)
            metadata["creationTimestamp"] = JSON.time(stored.createdAt)
            object["metadata"] = metadata
            if let status = stored.status, let body = try? JSONSerialization.jsonObject(with: status.json) {
                object["status"] = body
            }
            items.append(object)
        }
        if let name, items.isEmpty {
            return APIResponse(status: 404, body: JSON.encode(["error": "\(kind ?? "object") \"\(name)\" not found"]))
        }
        let list: [String: Any] = ["apiVersion": "v1", "kind": "List", "items": items]
        let data = try JSONSerialization.data(withJSONObject: list, options: [.sortedKeys])
        return APIResponse(status: 200, body: Array(data))
    }

    func statusSnapshot() async throws -> StatusSnapshot {
        let stored = try await store.objects(kind: nil)
        let objects = stored.map { object in
            StatusSnapshot.ObjectView(
                kind: object.key.kind, name: object.key.name, generation: object.generation,
                status: object.status.flatMap { JSON.decode(ObjectStatusBody.self, from: Array($0.json)) })
        }
        let events = try await store.events(for: nil, limit: 15).map {
            EventView(time: JSON.time($0.lastTime), object: $0.key.description, type: $0.type.rawValue,
                      reason: $0.reason, message: $0.message, count: $0.count)
        }
        return StatusSnapshot(objects: objects, processes: await loop.processViews(), events: events,
                              gatewayPort: gatewayPort, stateDirectory: await loop.stateUsage)
    }

    /// A status snapshot now and whenever it changes, until the client goes away.
    private func watch() -> AsyncStream<String> {
        let routes = self
        return AsyncStream { continuation in
            let producer = Task {
                var last: StatusSnapshot?
                while !Task.isCancelled {
                    if let snapshot = try? await routes.statusSnapshot(), snapshot != last {
                        continuation.yield(String(decoding: JSON.encode(snapshot), as: UTF8.self))
                        last = snapshot
                    }
                    try? await Task.sleep(for: .milliseconds(300))
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in producer.cancel() }
        }
    }
}
