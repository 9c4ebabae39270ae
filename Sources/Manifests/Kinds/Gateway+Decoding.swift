extension Gateway.Spec {
    /// Decodes `spec` with Gateway API's rules; what meshctl's gateway cannot honour (TLS, other protocols, fixed
    /// addresses) is refused at its field rather than ignored.
    init(decoding spec: inout FieldReader) {
        let context = spec.context
        let className = spec.name("gatewayClassName") ?? ""
        var listeners: [Gateway.Listener] = []
        let items = spec.list("listeners", required: true)
        HTTPRoute.Spec.limit(items, Gateway.Limits.listeners, spec.value("listeners"), spec.fieldPath("listeners"), context)
        if items.isEmpty, let node = spec.value("listeners") {
            context.error(node.mark, spec.fieldPath("listeners"), "must list at least one listener")
        }
        for (node, path) in items {
            guard var reader = FieldReader(node, path: path, context: context) else { continue }
            if let listener = Gateway.Listener(decoding: &reader) {
                if listeners.contains(where: { $0.name == listener.name }), let nameNode = reader.value("name") {
                    context.error(nameNode.mark, reader.fieldPath("name"), "listener \"\(listener.name)\" is listed twice")
                } else if let other = listeners.first(where: { $0.port == listener.port && $0.hostname == listener.hostname }),
                    let portNode = reader.value("port")
                {
                    context.error(portNode.mark, reader.fieldPath("port"),
                                  "listener \"\(other.name)\" already serves port \(listener.port) for the same hostname")
                }
                listeners.append(listener)
            }
            reader.finish()
        }
        for key in ["addresses", "infrastructure"] {
            if let node = spec.value(key) {
                context.error(node.mark, spec.fieldPath(key),
                              "not supported: meshctl's gateway listens on 127.0.0.1 and runs as one process")
            }
        }
        self.init(gatewayClassName: className, listeners: listeners)
    }
}

extension Gateway.Listener {
    init?(decoding reader: inout FieldReader) {
        let context = reader.context
        let name = reader.name("name")
        var hostname: String?
        if let node = reader.value("hostname"), let text = context.string(node, reader.fieldPath("hostname")) {
            if GatewayHostname.isValid(text) {
                hostname = text
            } else {
                context.error(node.mark, reader.fieldPath("hostname"),
                              "\(context.quoted(text)) is not a lower-case DNS name (optionally \"*.\" first), as Gateway API requires")
            }
        }
        let port = reader.int("port", 1...65535, required: true)
        if let node = reader.value("port") { reader.track("port", node) }
        if let node = reader.required("protocol"), let text = context.string(node, reader.fieldPath("protocol")),
            text != "HTTP"
        {
            context.error(node.mark, reader.fieldPath("protocol"),
                          "meshctl's gateway serves protocol \"HTTP\" only, got \(context.quoted(text))")
        }
        if let node = reader.value("tls") {
            context.error(node.mark, reader.fieldPath("tls"), "not supported: meshctl's gateway serves plaintext HTTP")
        }
        _ = reader.mapping("allowedRoutes") { allowed -> Bool? in
            // One namespace in meshctl: `Same` and `All` allow the same routes; a selector has nothing to select.
            _ = allowed.mapping("namespaces") { namespaces -> Bool? in
                if let node = namespaces.value("from"), let from = context.string(node, namespaces.fieldPath("from")),
                    !["Same", "All"].contains(from)
                {
                    context.error(node.mark, namespaces.fieldPath("from"),
                                  "meshctl has one namespace: \"Same\" or \"All\", got \(context.quoted(from))")
                }
                if let node = namespaces.value("selector") {
                    context.error(node.mark, namespaces.fieldPath("selector"), "meshctl has one namespace; no selector")
                }
                return nil
            }
            for (node, path) in allowed.list("kinds") {
                guard var kind = FieldReader(node, path: path, context: context) else { continue }
                if let group = kind.value("group"), let text = context.string(group, kind.fieldPath("group")),
                    text != "gateway.networking.k8s.io"
                {
                    context.error(group.mark, kind.fieldPath("group"), "must be \"gateway.networking.k8s.io\"")
                }
                if let kindNode = kind.required("kind"), let text = context.string(kindNode, kind.fieldPath("kind")),
                    text != "HTTPRoute"
                {
                    context.error(kindNode.mark, kind.fieldPath("kind"), "meshctl attaches HTTPRoutes only, got \(context.quoted(text))")
                }
                kind.finish()
            }
            return nil
        }
        guard let name, let port else { return nil }
        self.init(name: name, hostname: hostname, port: port)
    }
}
