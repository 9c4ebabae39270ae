extension TrafficSplit.Spec {
    init(decoding spec: inout FieldReader, apiVersion: String) {
        let context = spec.context
        let service = spec.name("service") ?? ""
        let quantities = apiVersion == "split.smi-spec.io/v1alpha1"
        var backends: [TrafficSplit.Backend] = []
        let backendItems = spec.list("backends", required: true)
        if let node = spec.value("backends") {
            spec.track("backends", node)
            if backendItems.isEmpty {
                context.error(node.mark, spec.fieldPath("backends"), "must list at least one backend")
            }
        }
        for (node, path) in backendItems {
            guard var reader = FieldReader(node, path: path, context: context) else { continue }
            let backendService = reader.name("service") ?? ""
            var weight = 0
            if let weightNode = reader.required("weight") {
                weight = Self.weight(weightNode, reader.fieldPath("weight"), quantities: quantities, context) ?? 0
            }
            reader.finish()
            backends.append(.init(service: backendService, weight: weight))
        }

        var matches: [TrafficSplit.RouteReference] = []
        let matchesNode = spec.value("matches")
        if let matchesNode, apiVersion == "split.smi-spec.io/v1alpha1" || apiVersion == "split.smi-spec.io/v1alpha2" {
            context.error(
                matchesNode.mark,
                spec.fieldPath("matches"),
                "matches needs split.smi-spec.io/v1alpha3 or later (this is \(apiVersion))"
            )
        } else if let matchesNode, let items = context.list(matchesNode, spec.fieldPath("matches")) {
            for (index, item) in items.enumerated() {
                let path = FieldPath.index(spec.fieldPath("matches"), index)
                guard var reader = FieldReader(item, path: path, context: context) else { continue }
                if let kindNode = reader.required("kind"), let kind = context.string(kindNode, reader.fieldPath("kind")),
                    kind != "HTTPRouteGroup"
                {
                    context.error(
                        kindNode.mark,
                        reader.fieldPath("kind"),
                        "expected \"HTTPRouteGroup\", got \(context.quoted(kind))"
                    )
                }
                let name = reader.name("name") ?? ""
                var names: [String] = []
                for (nameNode, namePath) in reader.list("matches") {
                    context.fieldMarks[namePath] = nameNode.mark
                    if let matchName = context.nonEmptyString(nameNode, namePath) { names.append(matchName) }
                }
                reader.finish()
                matches.append(.init(name: name, matches: names))
            }
        }
        self.init(service: service, backends: backends, matches: matches)
    }

    /// v1alpha2+ and meshctl's group: a whole number; v1alpha1: a quantity (`100m`, `1`), kept in thousandths.
    static func weight(_ node: Node, _ path: String, quantities: Bool, _ context: DecodeContext) -> Int? {
        guard quantities else { return context.int(node, path, 0...Int.max) }
        guard case .scalar(let scalar) = node.value, !scalar.isNull else {
            context.error(node.mark, path, "expected a quantity such as 100m or 1, got \(node.kindName)")
            return nil
        }
        guard let milli = Quantity.parseMilli(scalar.text), milli <= 1_000_000_000 else {
            context.error(node.mark, path, "expected a quantity such as 100m or 1, got \(context.quoted(scalar.text))")
            return nil
        }
        return milli
    }
}
