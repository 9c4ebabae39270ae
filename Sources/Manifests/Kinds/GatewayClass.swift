/// Gateway API `GatewayClass`: accepted and stored as written so a Gateway API bundle applies whole; meshctl has one
/// gateway implementation, which serves every Gateway whatever class it names.
public struct GatewayClass: Sendable, Hashable, Codable {
    public var apiVersion: String
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(apiVersion: String = APIVersion.gateway, metadata: ObjectMeta, spec: Spec) {
        self.apiVersion = apiVersion
        self.metadata = metadata
        self.spec = spec
    }

    public struct Spec: Sendable, Hashable, Codable {
        public var controllerName: String
        public var description: String?

        public init(controllerName: String, description: String? = nil) {
            self.controllerName = controllerName
            self.description = description
        }
    }

    /// The canonical form.
    public var canonical: CanonicalValue {
        var spec = CanonicalMap()
        spec.add("controllerName", .string(self.spec.controllerName))
        spec.add("description", self.spec.description)
        return ManifestObject.envelope(apiVersion: apiVersion, kind: .gatewayClass, metadata: metadata, spec: spec.value)
    }
}

extension GatewayClass.Spec {
    init(decoding spec: inout FieldReader) {
        let context = spec.context
        let controller = spec.string("controllerName", required: true) ?? ""
        // Gateway API: a domain-prefixed path (`example.com/gateway-controller`).
        if let node = spec.value("controllerName"), !controller.isEmpty, !controller.contains("/") {
            context.error(node.mark, spec.fieldPath("controllerName"),
                          "must be a domain-prefixed path such as \"example.com/meshctl-gateway\"")
        }
        let description = spec.string("description")
        if let node = spec.value("parametersRef") {
            context.error(node.mark, spec.fieldPath("parametersRef"), "meshctl's gateway takes no parameters")
        }
        self.init(controllerName: controller, description: description)
    }
}
