import Foundation
import OperatorAPI
import OperatorCore
import Reconciler

/// Renders status snapshots: a full screen for a terminal, and one line per change for a pipe.
struct StatusView {
    static func screen(_ snapshot: StatusSnapshot) -> String {
        var objectRows = [["KIND", "NAME", "READY", "REASON", "MESSAGE"]]
        for object in snapshot.objects {
            let ready = object.status?.condition("Ready")
            var readyText = ready?.status ?? "Unknown"
            if let replicas = object.status?.replicas, let readyReplicas = object.status?.readyReplicas {
                readyText = "\(readyReplicas)/\(replicas)"
            }
            objectRows.append([object.kind, object.name, readyText, ready?.reason ?? "Pending", ready?.message ?? ""])
        }
        var processRows = [["PROCESS", "PID", "STATE", "CONFIG", "DATA PLANE", "RESTARTS", "PORTS"]]
        for process in snapshot.processes {
            var config = "-"
            if let version = process.configVersion {
                config = String(version.suffix(8)) + (version == process.desiredConfigVersion ? "" : " (updating)")
            } else if process.desiredConfigVersion != nil {
                config = "(waiting)"
            }
            let ports = process.ports.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            var dataPlane = process.dataPlane ?? "-"
            if let version = process.dataPlane, let target = process.desiredDataPlane, version != target { dataPlane += " (old)" }
            processRows.append([process.slot, String(process.pid), process.state, config, dataPlane,
                                String(process.restarts), ports])
        }
        var lines = [TextTable.render(objectRows), "", TextTable.render(processRows)]
        if let progress = DataPlaneProgress(snapshot.processes) { lines.append(progress.line) }
        lines += ["", "EVENTS"]
        for event in snapshot.events.suffix(10) {
            let count = event.count > 1 ? " (×\(event.count))" : ""
            lines.append("\(HumanTime.timeOfDay(rfc3339: event.time))  \(event.object)  \(event.type)  \(event.reason)\(count): \(event.message)")
        }
        lines.append("")
        lines.append("gateway: http://127.0.0.1:\(snapshot.gatewayPort) (Host: <service>)")
        if let usage = snapshot.stateDirectory { lines.append("state: \(usage.summary)") }
        return lines.joined(separator: "\n")
    }

    /// The lines a pipe gets for the difference between two snapshots.
    static func changes(from old: StatusSnapshot?, to new: StatusSnapshot) -> [String] {
        let time = Date().formatted(.iso8601)
        var lines: [String] = []
        let before = Dictionary((old?.objects ?? []).map { ("\($0.kind)/\($0.name)", $0) }, uniquingKeysWith: { a, _ in a })
        for object in new.objects {
            let key = "\(object.kind)/\(object.name)"
            let ready = object.status?.condition("Ready")
            let previous = before[key]?.status?.condition("Ready")
            let replicas = object.status.flatMap { s in s.replicas.map { " \(s.readyReplicas ?? 0)/\($0)" } } ?? ""
            let oldReplicas = before[key]?.status.flatMap { s in s.replicas.map { " \(s.readyReplicas ?? 0)/\($0)" } } ?? ""
            if before[key] == nil || ready?.status != previous?.status || ready?.reason != previous?.reason
                || replicas != oldReplicas {
                lines.append("\(time) \(key) Ready=\(ready?.status ?? "Unknown")\(replicas) \(ready?.reason ?? "Pending"): \(ready?.message ?? "")")
            }
        }
        let oldProcesses = Dictionary((old?.processes ?? []).map { ($0.slot + "#" + String($0.pid), $0.state) },
                                      uniquingKeysWith: { a, _ in a })
        for process in new.processes where oldProcesses[process.slot + "#" + String(process.pid)] != process.state {
            lines.append("\(time) process \(process.slot) pid \(process.pid) \(process.state)")
        }
        return lines
    }
}
