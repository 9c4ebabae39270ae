/// The answer to `POST /v1/identity/rotate`: each step taken, and how many proxies were re-issued after it.
public struct RotationReport: Codable, Sendable, Hashable {
    public struct Step: Codable, Sendable, Hashable {
        public var step: String
        public var reissued: Int

        public init(step: String, reissued: Int) {
            self.step = step
            self.reissued = reissued
        }
    }

    public var steps: [Step]
    /// The anchor generation that signs (and alone is trusted) at the end.
    public var anchor: Int

    public init(steps: [Step], anchor: Int = 0) {
        self.steps = steps
        self.anchor = anchor
    }
}
