/// A Kubernetes-style condition: users see why something is not ready without reading logs.
public struct RolloutCondition: Codable, Sendable, Hashable {
    public enum Status: String, Codable, Sendable, Hashable {
        case `true` = "True"
        case `false` = "False"
        case unknown = "Unknown"
    }

    /// `Progressing`, `Paused`, `Completed`, `Analysis`, `StableHealthy`.
    public var type: String
    public var status: Status
    /// CamelCase, machine-readable.
    public var reason: String
    public var message: String
    /// When `status` last changed (not reason or message), as Kubernetes does.
    public var lastTransitionTime: Double

    public init(type: String, status: Status, reason: String, message: String, lastTransitionTime: Double) {
        self.type = type
        self.status = status
        self.reason = reason
        self.message = message
        self.lastTransitionTime = lastTransitionTime
    }
}

extension [RolloutCondition] {
    /// Sets a condition; its `lastTransitionTime` moves only when its status changes.
    mutating func set(
        _ type: String,
        _ status: RolloutCondition.Status,
        _ reason: String,
        _ message: String,
        now: Double
    ) {
        if let index = firstIndex(where: { $0.type == type }) {
            let changed = self[index].status != status
            self[index].status = status
            self[index].reason = reason
            self[index].message = message
            if changed { self[index].lastTransitionTime = now }
        } else {
            append(
                RolloutCondition(type: type, status: status, reason: reason, message: message, lastTransitionTime: now)
            )
        }
    }

    public subscript(type: String) -> RolloutCondition? { first { $0.type == type } }
}
