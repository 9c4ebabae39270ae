import Manifests
import SidecarConfig

/// What should run, as compiled from the manifests: processes, and the configuration each sidecar must report.
public struct DesiredWorld: Sendable {
    public var processes: [DesiredProcess]
    /// By sidecar or gateway slot.
    public var configurations: [SlotID: SidecarConfiguration]
    /// Every port key in use; the operator forgets the others.
    public var portKeys: Set<String>
    /// Between SIGTERM and SIGKILL for a workload of this service (its `terminationGracePeriod`), by service name;
    /// absent: `Service.Command.defaultTerminationGracePeriod`.
    public var terminationGracePeriods: [String: Duration] = [:]

    public init(processes: [DesiredProcess] = [], configurations: [SlotID: SidecarConfiguration] = [:],
                portKeys: Set<String> = []) {
        self.processes = processes
        self.configurations = configurations
        self.portKeys = portKeys
    }

    /// The path a slot's configuration file is written to before its process starts.
    public static func configPath(for slot: SlotID, in directory: String) -> String {
        "\(directory)/\(slot.service)-\(slot.role.rawValue)-\(slot.replica).json"
    }

    /// The access log of a sidecar or gateway slot, beside the slot's output log (`web_sidecar_0.log`).
    public static func accessLogPath(for slot: SlotID, in logsDirectory: String) -> String {
        "\(logsDirectory)/\(slot.service)_\(slot.role.rawValue)_\(slot.replica)\(accessLogSuffix)"
    }

    /// How access-log files end; `meshctl logs` and `meshctl trace` find them by it.
    public static let accessLogSuffix = ".access.log"

    /// How long a workload of `service` may take to exit after SIGTERM.
    public func terminationGracePeriod(of service: String) -> Duration {
        terminationGracePeriods[service] ?? Service.Command.defaultTerminationGracePeriod
    }
}
