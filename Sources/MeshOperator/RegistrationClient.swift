import ArgumentParser
import Foundation
import OperatorAPI

/// The CLI's side of self-registration: register, heartbeat (registering again when the operator has lost the
/// instance, say after it restarted), deregister; refusals printed one per line, exit 1.
struct RegistrationClient: Sendable {
    let state: StateOptions
    let request: RegistrationRequest

    func register() async throws -> RegistrationView {
        let response = try await state.send("POST", "/v1/registrations", body: body)
        return try view(response)
    }

    /// Heartbeats until cancelled. A refused heartbeat (the instance expired or the operator restarted) registers
    /// again; an unreachable operator is reported and retried at the next beat.
    func heartbeat(every interval: Double) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            if Task.isCancelled { return }
            do {
                let response = try await state.client.send("POST", "/v1/registrations/heartbeat", body: body)
                if response.status == 404 {
                    Console.err("warning: \(request.address) was no longer registered; registering again")
                    _ = try? view(try await state.client.send("POST", "/v1/registrations", body: body))
                } else if response.status != 200 {
                    Console.err("warning: heartbeat refused: \(Self.errors(response).joined(separator: "; "))")
                }
            } catch {
                Console.err("warning: heartbeat failed: \(error)")
            }
        }
    }

    func deregister() async throws {
        let response = try await state.send("POST", "/v1/registrations/deregister", body: body)
        guard response.status == 200 else {
            Self.errors(response).forEach { Console.err("error: \($0)") }
            throw ExitCode(1)
        }
    }

    private var body: [UInt8] { JSON.encode(request) }

    private func view(_ response: APIResponse) throws -> RegistrationView {
        guard response.status == 200, let view = JSON.decode(RegistrationView.self, from: response.body) else {
            Self.errors(response).forEach { Console.err("error: \($0)") }
            Console.err("nothing registered")
            throw ExitCode(1)
        }
        return view
    }

    static func errors(_ response: APIResponse) -> [String] {
        JSON.decode(RegistrationRefusal.self, from: response.body)?.errors
            ?? [String(decoding: response.body, as: UTF8.self)]
    }
}
