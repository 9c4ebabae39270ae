import Foundation

/// Kubernetes' two event types.
public enum EventType: String, Sendable, Hashable, Codable {
    case normal = "Normal"
    case warning = "Warning"
}

/// An event to record, about one object (as `kubectl get events` shows them).
public struct NewEvent: Sendable, Hashable {
    public var key: ObjectKey
    public var type: EventType
    /// CamelCase, for example `BackOff` or `ScalingReplicaSet`.
    public var reason: String
    public var message: String
    public var time: Date

    public init(key: ObjectKey, type: EventType, reason: String, message: String, time: Date = Date()) {
        self.key = key
        self.type = type
        self.reason = reason
        self.message = message
        self.time = time
    }
}

/// A stored event. An event repeating the object's latest one (same type, reason and message) is folded into it,
/// as Kubernetes does: `count` goes up and `lastTime` moves, so a crash loop does not flood the table.
public struct StoredEvent: Sendable, Hashable {
    /// Increases with every new (not folded) event; the order of events.
    public var id: Int64
    public var key: ObjectKey
    public var type: EventType
    public var reason: String
    public var message: String
    public var firstTime: Date
    public var lastTime: Date
    public var count: Int

    public init(
        id: Int64,
        key: ObjectKey,
        type: EventType,
        reason: String,
        message: String,
        firstTime: Date,
        lastTime: Date,
        count: Int
    ) {
        self.id = id
        self.key = key
        self.type = type
        self.reason = reason
        self.message = message
        self.firstTime = firstTime
        self.lastTime = lastTime
        self.count = count
    }
}
