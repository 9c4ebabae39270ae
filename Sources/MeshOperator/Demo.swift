import ArgumentParser
import DemoApp
import Foundation
import OperatorAPI
import OperatorCore
import ProcessRuntime
import Reconciler

extension Meshctl {
    /// `meshctl demo`: a real canary on this machine. Starts an operator in a temporary state directory, deploys the
    /// demo app, sends steady load through the mesh, rolls out v2 (promoted on the sidecars' metrics), then a faulty
    /// v3 (rolled back automatically), prints a summary and stops everything it started.
    struct Demo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a real canary rollout on this machine: a good version promoted, a faulty one rolled back.")

        @Option(help: "Concurrent client connections sending load.")
        var connections = 20

        @Option(help: "Keep the state directory afterwards (for `meshctl status --state-dir`).")
        var keep = false

        func run() async throws {
            let directory = StateDirectory(FileManager.default.temporaryDirectory.path + "/meshctl-demo-\(getpid())")
            try directory.create()
            let gatewayPort = PortProbe.pickFree()
            let ports = DemoManifests.Ports(root: PortProbe.pickFree(), primary: PortProbe.pickFree(), canary: PortProbe.pickFree())
            var script = DemoScript(directory: directory, gatewayPort: gatewayPort, ports: ports)
            let started = ContinuousClock.now
            say("meshctl demo: operator state in \(directory.root)")
            let operatorHandle = try await script.startOperator()
            let load = LoadGenerator()
            var outcome: (any Error)?
            do {
                try await script.run(load: load, connections: connections)
            } catch {
                outcome = error
            }
            load.stop()
            say("stopping everything the demo started")
            await script.stopOperator(operatorHandle)
            await load.shutdown()
            if !keep { try? FileManager.default.removeItem(atPath: directory.root) }
            say("done in \(Int(started.duration(to: .now).components.seconds))s")
            if let outcome { throw outcome }
        }
    }
}

func say(_ line: String) {
    Console.out("[\(HumanTime.timeOfDay(Date()))] \(line)")
}
