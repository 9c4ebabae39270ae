/// A place for one process in the desired world: replica 2 of `web`'s workload, its sidecar, or the gateway.
/// A slot outlives the processes that fill it; a restart or a rolling replacement puts a new instance in it.
public struct SlotID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Role: String, Sendable, Hashable, Comparable, CaseIterable {
        case workload
        case sidecar
        case gateway

        public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// The service the process belongs to (`gateway` for the gateway).
    public var service: String
    public var role: Role
    public var replica: Int

    public init(service: String, role: Role, replica: Int = 0) {
        self.service = service
        self.role = role
        self.replica = replica
    }

    /// Processes of one group are replaced one at a time.
    public var group: String { "\(service)/\(role.rawValue)" }

    public var description: String { "\(service)/\(role.rawValue)/\(replica)" }

    public static func < (lhs: SlotID, rhs: SlotID) -> Bool {
        (lhs.service, lhs.role, lhs.replica) < (rhs.service, rhs.role, rhs.replica)
    }
}
