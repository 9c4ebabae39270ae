import ArgumentParser
import Foundation
import OperatorAPI

extension Meshctl {
    /// `meshctl identity rotate`: the trust anchor replaced with overlap (docs/identity.md, "Rotation").
    struct IdentityCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "identity",
            abstract: "Workload identities: rotate the mesh's trust anchor.",
            subcommands: [IdentityRotate.self])
    }

    struct IdentityRotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate",
            abstract: "Replace the trust anchor: add a new one, re-issue every proxy, sign with it, retire the old.",
            discussion: """
                Every running sidecar and the gateway is re-issued after each step, so no proxy ever meets a
                certificate from an anchor it does not trust. If a proxy cannot be re-issued the rotation stops
                where it is (both anchors trusted, which is safe); run the command again to continue.
                """)

        @OptionGroup var state: StateOptions

        func run() async throws {
            let response = try await state.send("POST", "/v1/identity/rotate")
            guard response.status == 200, let report = try? JSONDecoder().decode(RotationReport.self, from: Data(response.body))
            else {
                let message = (try? JSONDecoder().decode([String: String].self, from: Data(response.body)))?["error"]
                Console.err("error: \(message ?? String(decoding: response.body, as: UTF8.self))")
                throw ExitCode(1)
            }
            for step in report.steps {
                Console.out("\(step.step): \(step.reissued) prox\(step.reissued == 1 ? "y" : "ies") re-issued")
            }
            Console.out("anchor \(report.anchor) signs and is the only one trusted")
        }
    }
}
