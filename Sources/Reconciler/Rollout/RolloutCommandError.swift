/// A `meshctl rollout` command that does not apply in the rollout's current phase. The state is unchanged; the
/// message says why and what would work instead.
public struct RolloutCommandError: Error, Sendable, Hashable, CustomStringConvertible {
    public var command: String
    public var phase: RolloutPhase
    public var message: String

    public init(command: String, phase: RolloutPhase, message: String) {
        self.command = command
        self.phase = phase
        self.message = message
    }

    public var description: String { "cannot \(command): rollout is \(phase.rawValue): \(message)" }
}
