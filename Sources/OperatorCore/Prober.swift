import Foundation
import OperatorAPI

/// Looks at running processes from the outside: a workload's health endpoint, a sidecar's admin endpoint.
/// Short timeouts, so one stuck process never stalls a reconcile pass for long.
struct Prober: Sendable {
    /// Proxies' admin endpoints, over kept connections, for single calls (drain, renew, an old proxy's `/config`).
    /// Every call carries the admin token (`StateDirectory.adminToken`), without which a proxy refuses a change.
    let admin: KeepAliveClient
    /// The same endpoints for pushes and probes, over plain sockets of their own: a change goes to every proxy at
    /// once, and so does a pass's probe of those due; each exchange through NIO cost the operator ~100 µs
    /// (`SocketBatchClient`).
    let pushes: SocketBatchClient
    /// Workloads' health endpoints, over kept connections too: a full pass probes every replica, and 40 fresh
    /// connections per sweep made an apply landing during one wait tens of milliseconds longer.
    let workloads = KeepAliveClient()

    init(adminToken: String?) {
        admin = KeepAliveClient(authorization: adminToken.map { "Bearer " + $0 })
        pushes = SocketBatchClient(authorization: adminToken.map { "Bearer " + $0 })
    }

    /// One check of a workload: its health check path answers 2xx within `timeout` (or, without a health check,
    /// it accepts connections and answers HTTP at all). What one check means for its endpoint is `ReplicaHealth`'s.
    func workloadReady(port: Int, healthPath: String?, timeout: Duration = .seconds(1)) async -> Bool {
        guard let response = try? await workloads.send(port: port, "GET", healthPath ?? "/", timeout: timeout)
        else { return false }
        return healthPath == nil ? response.status > 0 : (200..<300).contains(response.status)
    }

    /// One gRPC health check of a workload (`grpc.health.v1.Health/Check` for `service`): SERVING within `timeout`.
    func grpcServing(port: Int, service: String, timeout: Duration) async -> Bool {
        await withCheckedContinuation { done in
            DispatchQueue.global().async {
                done.resume(returning: GRPCHealthProbe(port: port, service: service, timeout: timeout).isServing())
            }
        }
    }

    /// The configuration version each proxy reports (nil: its admin endpoint did not answer), in order, asked all at
    /// once over the pushes' plain sockets (`SocketBatchClient`). `/config/version` answers with the version alone; a
    /// proxy started by an older meshctl (adopted after an upgrade) only has `/config`, asked on its own.
    func proxyConfigVersions(adminPorts: [Int]) async -> [String?] {
        let answers = await pushes.sendAll(adminPorts.map { KeepAliveClient.Call(port: $0, method: "GET", target: "/config/version") },
                                           timeout: .seconds(1))
        var versions: [String?] = []
        for (port, answer) in zip(adminPorts, answers) {
            var response = try? answer.get()
            if response?.status == 404 { response = try? await admin.send(port: port, "GET", "/config", timeout: .seconds(1)) }
            versions.append(response.flatMap(Self.version(in:)))
        }
        return versions
    }

    /// The `version` of a proxy's `/config/version` or `/config` answer.
    private static func version(in response: APIResponse) -> String? {
        guard response.status == 200,
              let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            return nil
        }
        return object["version"] as? String
    }

    /// Sends each proxy its configuration, all at once; each refusal's text (nil: taken), in order.
    func pushConfigs(_ bodies: [(adminPort: Int, json: Data)], timer: PushTimer? = nil) async -> [String?] {
        let answers = await pushes.sendAll(bodies.map {
            KeepAliveClient.Call(port: $0.adminPort, method: "PUT", target: "/config", body: Array($0.json))
        }, timeout: .seconds(2), answered: timer?.answered)
        return answers.map { answer in
            switch answer {
            case .success(let response): response.status == 200 ? nil : String(decoding: response.body, as: UTF8.self)
            case .failure(let error): "\(error)"
            }
        }
    }

    /// Sends each proxy its `SidecarConfigPatch`, all at once; the outcomes in order.
    func patchConfigs(_ bodies: [(adminPort: Int, json: Data)], timer: PushTimer? = nil) async -> [PatchOutcome] {
        let answers = await pushes.sendAll(bodies.map {
            KeepAliveClient.Call(port: $0.adminPort, method: "PATCH", target: "/config", body: Array($0.json))
        }, timeout: .seconds(2), answered: timer?.answered)
        return answers.map { answer in
            guard case .success(let response) = answer else { return .needsWhole }
            switch response.status {
            case 200: return .applied
            case 400: return .refused(String(decoding: response.body, as: UTF8.self))
            default: return .needsWhole
            }
        }
    }

    enum PatchOutcome: Sendable {
        case applied
        /// The proxy refused what it would run (a 400), with its reason.
        case refused(String)
        /// It runs another version, predates `PATCH /config`, or did not answer: send the whole configuration.
        case needsWhole
    }

    /// Makes a proxy renew its certificate now (`POST /identity/renew`); the anchor generation of its new leaf, or
    /// nil when it did not answer or could not renew.
    func renewIdentity(adminPort: Int) async -> Int? {
        guard let response = try? await admin.send(port: adminPort, "POST", "/identity/renew", timeout: .seconds(6)),
              response.status == 200 else { return nil }
        return JSON.decode(RenewAnswer.self, from: response.body)?.anchorGeneration
    }

    private struct RenewAnswer: Decodable { let anchorGeneration: Int }

    /// Asks a proxy to stop accepting and finish what it has in flight.
    func drain(adminPort: Int) async {
        _ = try? await admin.send(port: adminPort, "POST", "/drain", timeout: .seconds(1))
    }
}
