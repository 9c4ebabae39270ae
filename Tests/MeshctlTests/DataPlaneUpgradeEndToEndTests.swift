import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A new `mesh-proxy` replaces every proxy under load: the operator runs from a directory of its own whose
/// `mesh-proxy` the test swaps for a changed copy (the built binary with bytes appended, so its content hash changes).
@Suite("data-plane upgrade end to end", .serialized)
struct DataPlaneUpgradeEndToEndTests {
    /// `meshctl` (hard-linked, so `/proc/self/exe` names this directory) and a copy of `mesh-proxy`.
    private static func binDirectory() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mesh-dp-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let built = (MeshctlRunner.executable as NSString).deletingLastPathComponent
        if link(MeshctlRunner.executable, directory + "/meshctl") != 0 {
            try FileManager.default.copyItem(atPath: MeshctlRunner.executable, toPath: directory + "/meshctl")
        }
        try FileManager.default.copyItem(atPath: built + "/mesh-proxy", toPath: directory + "/mesh-proxy")
        return directory
    }

    /// Replaces `mesh-proxy` as an install would: a changed copy renamed over it (the running file is never written).
    private static func swapProxy(in directory: String) throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: directory + "/mesh-proxy"))
        bytes.append(contentsOf: Array("rebuilt \(UUID())".utf8))
        let staged = directory + "/mesh-proxy.new"
        try bytes.write(to: URL(fileURLWithPath: staged))
        chmod(staged, 0o755)
        #expect(rename(staged, directory + "/mesh-proxy") == 0)
    }

    /// `meshctl status` process rows: slot, pid, state.
    private static func rows(_ harness: OperatorHarness) throws -> [(slot: String, pid: Int32, state: String)] {
        try harness.meshctl(["status"]).stdout.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 3, fields[0].filter({ $0 == "/" }).count == 2, let pid = Int32(fields[1]) else {
                return nil
            }
            return (String(fields[0]), pid, String(fields[2]))
        }
    }

    static func environment(of pid: Int32) -> [String: String] {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return [:] }
        var result: [String: String] = [:]
        for entry in data.split(separator: 0) {
            let text = String(decoding: entry, as: UTF8.self)
            if let equals = text.firstIndex(of: "=") {
                result[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
        }
        return result
    }

    /// `socket:[INODE]` for a process's fd 0: the outbound socket a sidecar accepts from (socket activation).
    static func standardInput(of pid: Int32) -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/0")) ?? ""
    }

    private static func dataPlaneLine(_ harness: OperatorHarness) throws -> String {
        try harness.meshctl(["status"]).stdout.split(separator: "\n").first { $0.hasPrefix("data plane:") }
            .map(String.init) ?? ""
    }

    @Test func aNewMeshProxyIsRolledOutOneReplicaAtATimeWithoutAFailedRequestOrAMovedOutboundAddress() throws {
        let bin = try Self.binDirectory()
        defer { try? FileManager.default.removeItem(atPath: bin) }
        let harness = try OperatorHarness(executable: bin + "/meshctl")
        defer { harness.stop() }
        try harness.start()
        let (webPort, apiPort) = (OperatorHarness.freePort(), OperatorHarness.freePort())
        try harness.write("mesh.yaml", ZeroDropEndToEndTests.service("web", port: webPort, replicas: 2) + "---\n"
                          + ZeroDropEndToEndTests.service("api", port: apiPort))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        #expect(try harness.eventually(60) {
            let rows = try Self.rows(harness)
            return rows.count == 7 && rows.allSatisfy { $0.state == "ready" }
        })
        let before = try Self.dataPlaneLine(harness)
        #expect(before.hasPrefix("data plane: 4/4 proxies on "), "\(before)")

        let processes = try harness.processes()
        let workloads = processes.filter { $0.key.contains("/workload/") }
        let proxies = processes.filter { !$0.key.contains("/workload/") }
        #expect(workloads.count == 3 && proxies.count == 4)
        let workload = try #require(workloads["web/workload/0"])
        let outbound = try #require(Self.environment(of: workload)["MESH_OUTBOUND"])
        let outboundPort = try #require(Int(outbound.split(separator: ":").last ?? ""))
        #expect(harness.eventually(30) { LoopbackGet.get(port: outboundPort, host: "api")?.body.contains("api") == true })

        // Through the gateway to web's sidecars, and out of web's replica 0 through its sidecar to api.
        let viaGateway = RequestLoop(port: webPort, host: "web")
        let viaOutbound = RequestLoop(port: outboundPort, host: "api")
        let connects = ConnectLoop(port: outboundPort)  // a tight loop: any moment without a listener shows
        let outboundSocket = Self.standardInput(of: try #require(proxies["web/sidecar/0"]))
        viaGateway.start()
        viaOutbound.start()
        connects.start()
        defer {
            viaGateway.stop()
            viaOutbound.stop()
            connects.stop()
        }
        #expect(harness.eventually(10) { viaGateway.counts.ok >= 20 && viaOutbound.counts.ok >= 20 })

        try Self.swapProxy(in: bin)
        var mostStartingInAGroup = 0
        let oldProxies = Set(proxies.values)
        let upgraded = try harness.eventually(120) {
            let rows = try Self.rows(harness)
            var starting: [String: Int] = [:]
            for row in rows where row.state == "starting" {
                starting[String(row.slot.split(separator: "/").prefix(2).joined(separator: "/")), default: 0] += 1
            }
            mostStartingInAGroup = max(mostStartingInAGroup, starting.values.max() ?? 0)
            // Done: no old proxy left (draining ones included), every process ready.
            return rows.count == 7 && rows.allSatisfy { $0.state == "ready" && !oldProxies.contains($0.pid) }
        }
        #expect(upgraded)
        let finalLine = try Self.dataPlaneLine(harness)
        #expect(finalLine.hasPrefix("data plane: 4/4 proxies on ") && !before.isEmpty
                && finalLine.dropFirst(27) != before.dropFirst(27), "\(before) -> \(finalLine)")
        let gatewayOk = viaGateway.counts.ok
        let outboundOk = viaOutbound.counts.ok
        #expect(harness.eventually(10) { viaGateway.counts.ok >= gatewayOk + 20 && viaOutbound.counts.ok >= outboundOk + 20 })
        viaGateway.stop()
        viaOutbound.stop()
        connects.stop()

        #expect(connects.counts.refused == 0 && connects.counts.connected > 100, "\(connects.counts)")
        #expect(viaGateway.counts.failed == 0, "\(viaGateway.counts.failures)")
        #expect(viaOutbound.counts.failed == 0, "\(viaOutbound.counts.failures)")
        #expect(mostStartingInAGroup <= 1, "one replica at a time per group")
        let after = try harness.processes()
        // Every proxy is a new process; no workload was restarted, and each keeps its outbound address.
        for (slot, pid) in proxies { #expect(after[slot] != nil && after[slot] != pid, "\(slot)") }
        for (slot, pid) in workloads { #expect(after[slot] == pid, "\(slot)") }
        #expect(Self.environment(of: workload)["MESH_OUTBOUND"] == outbound)
        // The old sidecar had the operator's kept socket; its replacement binds one of its own (--reuse-port, the
        // newest takes every new connection), so the old one gets no new connection while it drains.
        #expect(outboundSocket.hasPrefix("socket:") && Self.standardInput(of: after["web/sidecar/0"] ?? 0) != outboundSocket,
                "\(outboundSocket)")
        let status = try harness.meshctl(["status"]).stdout
        let sidecarRow = status.split(separator: "\n").first { $0.hasPrefix("web/sidecar/0 ") } ?? ""
        #expect(sidecarRow.contains("outbound=\(outboundPort)"), "\(sidecarRow)")
        // Each replacement says why, in its event (the operator's log carries every event; status only the last 10).
        let log = (try? String(contentsOfFile: harness.directory + "/operator.out", encoding: .utf8)) ?? ""
        let because = "draining: replaced (data plane \(before.dropFirst(27).prefix(8)) -> "
        #expect(log.components(separatedBy: because).count - 1 == 4, "\(log.suffix(2000))")

        // Once the old sidecar is gone the operator holds a copy of the new one's own socket, so the first kill after
        // the upgrade refuses nothing either: the workload's connections queue until the restart accepts them.
        let operatorLog = { (try? String(contentsOfFile: harness.directory + "/operator.out", encoding: .utf8)) ?? "" }
        #expect(harness.eventually(15) {
            operatorLog().contains("holds the listening socket 127.0.0.1:\(outboundPort) of web/sidecar/0")
        }, "\(operatorLog().suffix(2000))")
        let (kills, calls, _) = try KillUnderLoad.run(harness, slot: "web/sidecar/0", port: outboundPort, host: "api")
        #expect(kills.refused == 0 && kills.connected > 100, "\(kills)")
        #expect(calls.failed <= 1, "at most the call in flight on the killed sidecar: \(calls.failures)")
    }
}
