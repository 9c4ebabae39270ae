import MeshStore
import OperatorAPI
import ProcessRuntime
import Reconciler

/// One recorded process as observed in this pass: the planner's view plus what the operator needs to act on it.
struct ObservedInstance: Sendable {
    var record: StoredProcess
    var observed: ObservedProcess
    var ports: [String: Int]

    var slot: SlotID { observed.slot }
    var isReady: Bool { observed.state == .ready }
}

extension StoredProcess {
    var slot: SlotID {
        let role: SlotID.Role
        switch self.role {
        case .workload: role = .workload
        case .sidecar: role = .sidecar
        case .gateway: role = .gateway
        }
        return SlotID(service: service, role: role, replica: replica)
    }

    /// The runtime's handle for this record: pid plus start time, so a reused pid is never taken for ours.
    var handle: ProcessHandle {
        ProcessHandle(pid: pid, startTime: startTime, commandHash: commandHash, logPath: logPath)
    }

    var portMap: [String: Int] { JSON.decode([String: Int].self, from: Array(ports)) ?? [:] }
}

extension SlotID.Role {
    var processRole: ProcessRole {
        switch self {
        case .workload: return .workload
        case .sidecar: return .sidecar
        case .gateway: return .gateway
        }
    }
}
