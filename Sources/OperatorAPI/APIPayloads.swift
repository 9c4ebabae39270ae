#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `POST /v1/apply`: the manifest files as the user has them, so the operator checks exactly what the CLI read and
/// every error still points at the user's file:line:column.
public struct ApplyRequest: Codable, Sendable {
    public struct File: Codable, Sendable {
        public var name: String
        public var content: String

        public init(name: String, content: String) {
            self.name = name
            self.content = content
        }
    }

    public var files: [File]
    /// The directory (or file) the manifests came from; `prune` removes what an earlier apply from it had and this
    /// one does not.
    public var source: String?
    public var prune: Bool
    public var dryRun: Bool
    /// Optimistic concurrency: "Kind/name" -> the resourceVersion the writer read (0: the object must not exist
    /// yet). When any object moved on since, nothing is applied and the answer is 409 Conflict.
    public var resourceVersions: [String: Int64]?

    public init(files: [File], source: String?, prune: Bool = false, dryRun: Bool = false,
                resourceVersions: [String: Int64]? = nil) {
        self.files = files
        self.source = source
        self.prune = prune
        self.dryRun = dryRun
        self.resourceVersions = resourceVersions
    }

    /// `prune` and `dryRun` default to false, so a script's apply needs only its files.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        files = try c.decode([File].self, forKey: .files)
        source = try c.decodeIfPresent(String.self, forKey: .source)
        prune = try c.decodeIfPresent(Bool.self, forKey: .prune) ?? false
        dryRun = try c.decodeIfPresent(Bool.self, forKey: .dryRun) ?? false
        resourceVersions = try c.decodeIfPresent([String: Int64].self, forKey: .resourceVersions)
    }
}

/// `POST /v1/delete`: objects to delete in one transaction. The mesh left behind must be valid as a whole: a delete
/// that would leave a reference dangling is refused, naming the referrers, unless `cascade` deletes them too.
public struct DeleteRequest: Codable, Sendable {
    public struct Object: Codable, Sendable, Hashable {
        public var kind: String
        public var name: String

        public init(kind: String, name: String) {
            self.kind = kind
            self.name = name
        }
    }

    public var objects: [Object]
    public var cascade: Bool

    public init(objects: [Object], cascade: Bool = false) {
        self.objects = objects
        self.cascade = cascade
    }
}

/// The answer to a delete: what was deleted (the requested objects, and with `cascade` their referrers), what did
/// not exist, or every reason nothing was deleted.
public struct DeleteResponse: Codable, Sendable {
    public var deleted: [DeleteRequest.Object]
    public var notFound: [DeleteRequest.Object]
    public var errors: [String]

    public init(deleted: [DeleteRequest.Object] = [], notFound: [DeleteRequest.Object] = [], errors: [String] = []) {
        self.deleted = deleted
        self.notFound = notFound
        self.errors = errors
    }
}

/// The answer to an apply: what happened to each object, or every reason it was refused.
public struct ApplyResponse: Codable, Sendable {
    public struct Outcome: Codable, Sendable, Hashable {
        public var kind: String
        public var name: String
        /// created, configured, unchanged or pruned.
        public var action: String
        public var generation: Int64

        public init(kind: String, name: String, action: String, generation: Int64) {
            self.kind = kind
            self.name = name
            self.action = action
            self.generation = generation
        }
    }

    public var outcomes: [Outcome]
    /// Rendered `file:line:col: error: …` lines; non-empty means nothing was applied.
    public var errors: [String]
    public var summary: String

    public init(outcomes: [Outcome] = [], errors: [String] = [], summary: String = "") {
        self.outcomes = outcomes
        self.errors = errors
        self.summary = summary
    }
}

/// One condition, shaped like Kubernetes' `metav1.Condition`.
public struct Condition: Codable, Sendable, Hashable {
    public var type: String
    /// "True", "False" or "Unknown".
    public var status: String
    public var reason: String
    public var message: String
    public var lastTransitionTime: String

    public init(type: String, status: String, reason: String, message: String, lastTransitionTime: String = "") {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
    }
}

/// What the operator writes into an object's `status`.
public struct ObjectStatusBody: Codable, Sendable, Hashable {
    public var observedGeneration: Int64
    public var conditions: [Condition]
    public var replicas: Int?
    public var readyReplicas: Int?
    /// Proxies that report the configuration carrying this object, and how many route it.
    public var proxiesConfigured: Int?
    public var proxies: Int?
    public var endpoints: [String]?
    public var rollout: RolloutView?

    public init(observedGeneration: Int64, conditions: [Condition], replicas: Int? = nil, readyReplicas: Int? = nil,
                proxiesConfigured: Int? = nil, proxies: Int? = nil, endpoints: [String]? = nil,
                rollout: RolloutView? = nil) {
        self.rollout = rollout
        self.observedGeneration = observedGeneration
        self.conditions = conditions
        self.replicas = replicas
        self.readyReplicas = readyReplicas
        self.proxiesConfigured = proxiesConfigured
        self.proxies = proxies
        self.endpoints = endpoints
    }

    /// The condition of a type, if present.
    public func condition(_ type: String) -> Condition? { conditions.first { $0.type == type } }
}

/// A process as `meshctl status` shows it.
public struct ProcessView: Codable, Sendable, Hashable {
    public var slot: String
    public var role: String
    public var service: String
    public var replica: Int
    public var pid: Int32
    /// starting, ready, draining, exited.
    public var state: String
    public var revision: String
    public var ports: [String: Int]
    public var configVersion: String?
    public var desiredConfigVersion: String?
    public var restarts: Int
    /// Proxies: the data-plane version (content hash prefix of the proxy executable) this process was started from,
    /// and the one its slot should run. Nil for workloads.
    public var dataPlane: String?
    public var desiredDataPlane: String?

    public init(slot: String, role: String, service: String, replica: Int, pid: Int32, state: String, revision: String,
                ports: [String: Int], configVersion: String?, desiredConfigVersion: String?, restarts: Int,
                dataPlane: String? = nil, desiredDataPlane: String? = nil) {
        self.dataPlane = dataPlane
        self.desiredDataPlane = desiredDataPlane
        self.slot = slot
        self.role = role
        self.service = service
        self.replica = replica
        self.pid = pid
        self.state = state
        self.revision = revision
        self.ports = ports
        self.configVersion = configVersion
        self.desiredConfigVersion = desiredConfigVersion
        self.restarts = restarts
    }
}

/// An event line for `meshctl status`.
public struct EventView: Codable, Sendable, Hashable {
    public var time: String
    public var object: String
    public var type: String
    public var reason: String
    public var message: String
    public var count: Int

    public init(time: String, object: String, type: String, reason: String, message: String, count: Int) {
        self.time = time
        self.object = object
        self.type = type
        self.reason = reason
        self.message = message
        self.count = count
    }
}

/// `GET /v1/status` and each line of `GET /v1/watch`.
public struct StatusSnapshot: Codable, Sendable, Hashable {
    public struct ObjectView: Codable, Sendable, Hashable {
        public var kind: String
        public var name: String
        public var generation: Int64
        public var status: ObjectStatusBody?

        public init(kind: String, name: String, generation: Int64, status: ObjectStatusBody?) {
            self.kind = kind
            self.name = name
            self.generation = generation
            self.status = status
        }
    }

    public var objects: [ObjectView]
    public var processes: [ProcessView]
    public var events: [EventView]
    public var gatewayPort: Int
    /// The state directory's size, as the operator last measured it (every few seconds).
    public var stateDirectory: StateDirectoryUsage?

    public init(objects: [ObjectView], processes: [ProcessView], events: [EventView], gatewayPort: Int,
                stateDirectory: StateDirectoryUsage? = nil) {
        self.stateDirectory = stateDirectory
        self.objects = objects
        self.processes = processes
        self.events = events
        self.gatewayPort = gatewayPort
    }
}

/// A rollout as `meshctl rollout status` shows it.
public struct RolloutView: Codable, Sendable, Hashable {
    public var phase: String
    public var message: String
    public var strategy: String
    public var revision: String?
    public var stableRevision: String
    public var step: Int?
    public var stepCount: Int
    public var stepDescription: String?
    public var stableWeight: Int
    public var canaryWeight: Int
    public var confirmed: Bool
    public var weightBar: String
    public var metrics: [String]
    public var failedChecks: Int
    public var threshold: Int?
    public var inconclusiveChecks: Int
    /// `time summary` lines, oldest first.
    public var history: [String]
    /// RFC 3339: when a timed pause ends, auto-promotion happens or the old version's hold ends.
    public var waitingUntil: String?

    public init(phase: String, message: String, strategy: String, revision: String?, stableRevision: String,
                step: Int?, stepCount: Int, stepDescription: String?, stableWeight: Int, canaryWeight: Int,
                confirmed: Bool, weightBar: String, metrics: [String], failedChecks: Int, threshold: Int?,
                inconclusiveChecks: Int, history: [String], waitingUntil: String? = nil) {
        self.phase = phase
        self.message = message
        self.strategy = strategy
        self.revision = revision
        self.stableRevision = stableRevision
        self.step = step
        self.stepCount = stepCount
        self.stepDescription = stepDescription
        self.stableWeight = stableWeight
        self.canaryWeight = canaryWeight
        self.confirmed = confirmed
        self.weightBar = weightBar
        self.metrics = metrics
        self.failedChecks = failedChecks
        self.threshold = threshold
        self.inconclusiveChecks = inconclusiveChecks
        self.history = history
        self.waitingUntil = waitingUntil
    }
}

extension APIClient {
    /// A rollout's view from its object status; nil when it has none yet (or the operator did not answer).
    public func rolloutView(named name: String) async -> RolloutView? {
        guard let response = try? await send("GET", "/v1/objects?kind=Rollout&name=\(name)"), response.status == 200
        else { return nil }
        struct List: Decodable {
            struct Item: Decodable { var status: ObjectStatusBody? }
            var items: [Item]
        }
        return (try? JSONDecoder().decode(List.self, from: Data(response.body)))?.items.first?.status?.rollout
    }
}
