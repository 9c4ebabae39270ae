import ArgumentParser
import Foundation
import OperatorAPI
import OperatorCore

/// `--state-dir`, shared by every command that talks to an operator.
struct StateOptions: ParsableArguments {
    @Option(name: .customLong("state-dir"), help: "The operator's state folder (default: ./.mesh, or $MESH_STATE_DIR).")
    var stateDir: String?

    var directory: StateDirectory {
        StateDirectory(stateDir ?? ProcessInfo.processInfo.environment["MESH_STATE_DIR"] ?? ".mesh")
    }

    var client: APIClient { APIClient(socketPath: directory.socketPath) }

    /// Sends a request; exits with the client's message (e.g. "no operator is running … start one with
    /// `meshctl up`") when the operator cannot be reached.
    func send(_ method: String, _ target: String, body: [UInt8] = []) async throws -> APIResponse {
        do {
            return try await client.send(method, target, body: body)
        } catch {
            Console.err("error: \(error.description)")
            throw ExitCode(2)
        }
    }
}

/// The running binary, so the operator can start sidecars, the gateway and demo workloads from the same build.
enum SelfExecutable {
    static var path: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}
