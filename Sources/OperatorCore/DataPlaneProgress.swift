import OperatorAPI

/// Which data plane the proxies run, for `meshctl status`: `data plane: 3/5 proxies on a1b2c3d4 (upgrading from
/// 9f8e7d6c)`. Counted by proxy slot (a sidecar replica, the gateway): a slot is on the target once an instance of
/// the target version in it is ready; the old instance draining beside it does not count twice.
public struct DataPlaneProgress: Sendable, Hashable {
    /// The version every proxy should run (`ProcessView.desiredDataPlane`); nil when the executable was unreadable.
    public var target: String?
    public var upgraded: Int
    public var slots: Int
    /// Other versions still running, oldest first by name (usually one).
    public var previous: [String]

    public init?(_ processes: [ProcessView]) {
        let proxies = processes.filter { $0.role != "workload" && !$0.state.hasPrefix("exited") }
        let desiredSlots = Set(proxies.filter { $0.desiredDataPlane != nil }.map(\.slot))
        guard !desiredSlots.isEmpty else { return nil }
        let target = proxies.compactMap(\.desiredDataPlane).first
        self.target = target
        upgraded = Set(proxies.filter { $0.state == "ready" && $0.dataPlane != nil && $0.dataPlane == target }
            .map(\.slot)).intersection(desiredSlots).count
        slots = desiredSlots.count
        previous = Set(proxies.compactMap(\.dataPlane).filter { $0 != target }).sorted()
    }

    public var line: String {
        let on = target.map { "on \($0)" } ?? "on an unreadable proxy executable"
        let from = previous.isEmpty ? "" : " (upgrading from \(previous.joined(separator: ", ")))"
        return "data plane: \(upgraded)/\(slots) proxies \(on)\(from)"
    }
}
