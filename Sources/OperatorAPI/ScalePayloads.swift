/// `POST /v1/scale`: set a Service's `spec.replicas`. The answer is an apply's (`ApplyResponse`): the change is
/// stored as an apply of the stored manifest with only `replicas` changed, so it is validated the same way.
public struct ScaleRequest: Codable, Sendable, Hashable {
    public var service: String
    public var replicas: Int

    public init(service: String, replicas: Int) {
        self.service = service
        self.replicas = replicas
    }
}
