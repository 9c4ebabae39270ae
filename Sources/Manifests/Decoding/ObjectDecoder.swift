/// Turns YAML documents into typed objects: the schema pass. Errors are collected, never thrown; an object with any
/// error is left out of the result.
struct ObjectDecoder {
    let context: DecodeContext

    init(file: String) {
        context = DecodeContext(file: file)
    }

    var diagnostics: [Diagnostic] { context.diagnostics }

    var invalidObjects: Set<ObjectKey> { context.invalidObjects }

    /// Decodes one document: one object, or the items of a `kind: List` (what `-o json` prints).
    mutating func decode(_ document: Document) -> [LoadedObject] {
        guard let root = document.root else { return [] }
        if case .scalar(let scalar) = root.value, scalar.isNull { return [] }
        if root["kind"]?.scalar?.text == "List" {
            return decodeList(root)
        }
        return decodeObject(root, path: "").map { [$0] } ?? []
    }

    private mutating func decodeList(_ root: Node) -> [LoadedObject] {
        guard var reader = FieldReader(root, path: "", context: context) else { return [] }
        if let versionNode = reader.required("apiVersion"), let version = context.string(versionNode, "apiVersion"),
            version != "v1"
        {
            context.error(
                versionNode.mark,
                "apiVersion",
                "a List has apiVersion \"v1\", got \(context.quoted(version))"
            )
        }
        _ = reader.value("kind")
        _ = reader.value("metadata")
        var objects: [LoadedObject] = []
        for (node, _) in reader.list("items", required: true) {
            // Paths inside items read as in a file of their own (`spec.port`), which is what cross-object checks
            // look marks up by; file:line:column still point at the item.
            if let object = decodeObject(node, path: "") { objects.append(object) }
        }
        reader.finish()
        return objects
    }

    private func decodeObject(_ node: Node, path: String) -> LoadedObject? {
        let errorsBefore = context.errorCount
        context.fieldMarks = [:]
        guard var reader = FieldReader(node, path: path, context: context) else { return nil }
        let versionNode = reader.required("apiVersion")
        let kindNode = reader.required("kind")
        var kind: ManifestKind?
        if let kindNode, let text = context.string(kindNode, reader.fieldPath("kind")) {
            kind = ManifestKind(rawValue: text)
            if kind == nil {
                let names = ManifestKind.allCases.map(\.rawValue)
                let suggestion = Suggestion.suffix(for: text, in: names)
                let list = names.map { context.quoted($0) }.joined(separator: ", ")
                context.error(
                    kindNode.mark,
                    reader.fieldPath("kind"),
                    "unknown kind \(context.quoted(text))\(suggestion) (meshctl knows \(list))"
                )
            }
        }
        var apiVersion = ""
        if let versionNode, let text = context.string(versionNode, reader.fieldPath("apiVersion")) {
            apiVersion = text
            if let kind, !APIVersion.accepted(for: kind).contains(text) {
                let list = APIVersion.accepted(for: kind).map { context.quoted($0) }.joined(separator: ", ")
                context.error(
                    versionNode.mark,
                    reader.fieldPath("apiVersion"),
                    "\(kind.rawValue) is not served as \(context.quoted(text)); use one of \(list)"
                )
            }
        }
        let metadata = reader.mapping("metadata", required: true) { ObjectMeta(decoding: &$0) }
        // The operator writes status; a manifest copied from `meshctl get` may carry it, and it is ignored.
        _ = reader.value("status")
        guard let kind else {
            _ = reader.value("spec")
            reader.finish()
            return nil
        }
        let object: ManifestObject? = reader.mapping("spec", required: true) { spec in
            let meta = metadata ?? ObjectMeta(name: "")
            switch kind {
            case .service:
                return .service(Service(apiVersion: apiVersion, metadata: meta, spec: .init(decoding: &spec)))
            case .trafficSplit:
                return .trafficSplit(
                    TrafficSplit(
                        apiVersion: apiVersion,
                        metadata: meta,
                        spec: .init(decoding: &spec, apiVersion: apiVersion)
                    )
                )
            case .httpRouteGroup:
                return .httpRouteGroup(
                    HTTPRouteGroup(apiVersion: apiVersion, metadata: meta, spec: .init(decoding: &spec))
                )
            case .retryPolicy:
                return .retryPolicy(RetryPolicy(apiVersion: apiVersion, metadata: meta, spec: .init(decoding: &spec)))
            case .rollout:
                return .rollout(Rollout(apiVersion: apiVersion, metadata: meta, spec: .init(decoding: &spec)))
            case .faultInjection:
                return .faultInjection(
                    FaultInjection(apiVersion: apiVersion, metadata: meta, spec: .init(decoding: &spec)))
            case .httpRoute:
                return .httpRoute(HTTPRoute(apiVersion: apiVersion, metadata: meta, spec: .init(decoding: &spec)))
            case .authorizationPolicy:
                return .authorizationPolicy(
                    AuthorizationPolicy(apiVersion: apiVersion, metadata: meta, spec: .init(decoding: &spec)))
            case .gateway:
                return .gateway(Gateway(apiVersion: apiVersion, metadata: meta, spec: .init(decoding: &spec)))
            case .rateLimit:
                return .rateLimit(RateLimit(apiVersion: apiVersion, metadata: meta, spec: RateLimit.decodeSpec(&spec)))
            case .gatewayClass:
                return .gatewayClass(GatewayClass(apiVersion: apiVersion, metadata: meta, spec: .init(decoding: &spec)))
            }
        }
        reader.finish()
        guard let object, metadata != nil, context.errorCount == errorsBefore else {
            if let name = node["metadata"]?["name"]?.scalar?.text {
                context.invalidObjects.insert(ObjectKey(kind: kind, name: name))
            }
            return nil
        }
        return LoadedObject(
            object: object,
            source: ObjectSource(file: context.file, mark: node.mark, fieldMarks: context.fieldMarks)
        )
    }
}

extension ObjectMeta {
    init(decoding reader: inout FieldReader) {
        let name = reader.name("name") ?? ""
        let namespaceNode = reader.value("namespace")
        let namespace = namespaceNode.flatMap { reader.context.name($0, reader.fieldPath("namespace")) }
        self.init(
            name: name,
            namespace: namespace,
            labels: reader.stringMap("labels"),
            annotations: reader.stringMap("annotations")
        )
    }
}
