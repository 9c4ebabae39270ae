extension HTTPRoute.Filters {
    /// The filters as Gateway API writes them, in a fixed order (header modifiers, then rewrite or redirect).
    var canonical: [CanonicalValue] {
        var result: [CanonicalValue] = []
        func filter(_ type: String, _ field: String, _ settings: CanonicalValue) {
            result.append(.map([.init("type", .string(type)), .init(field, settings)]))
        }
        if let requestHeaders { filter("RequestHeaderModifier", "requestHeaderModifier", requestHeaders.canonical) }
        if let responseHeaders { filter("ResponseHeaderModifier", "responseHeaderModifier", responseHeaders.canonical) }
        if let rewrite {
            var map = CanonicalMap()
            map.add("hostname", rewrite.hostname)
            map.add("path", rewrite.path?.canonical)
            filter("URLRewrite", "urlRewrite", map.value)
        }
        if let redirect {
            var map = CanonicalMap()
            map.add("scheme", redirect.scheme)
            map.add("hostname", redirect.hostname)
            map.add("path", redirect.path?.canonical)
            map.add("port", redirect.port)
            map.add("statusCode", .int(redirect.statusCode))
            filter("RequestRedirect", "requestRedirect", map.value)
        }
        if let rateLimit {
            filter("ExtensionRef", "extensionRef", .map([
                .init("group", .string(RateLimit.extensionGroup)), .init("kind", .string(ManifestKind.rateLimit.rawValue)),
                .init("name", .string(rateLimit)),
            ]))
        }
        return result
    }
}

extension HTTPRoute.HeaderModifier {
    var canonical: CanonicalValue {
        var map = CanonicalMap()
        func fields(_ headers: [HTTPRoute.Header]) -> CanonicalValue {
            .list(headers.map { .map([.init("name", .string($0.name)), .init("value", .string($0.value))]) })
        }
        if !set.isEmpty { map.add("set", fields(set)) }
        if !add.isEmpty { map.add("add", fields(add)) }
        if !remove.isEmpty { map.add("remove", .strings(remove)) }
        return map.value
    }
}

extension HTTPRoute.PathModifier {
    var canonical: CanonicalValue {
        .map([.init("type", .string(type.rawValue)),
              .init(type == .replaceFullPath ? "replaceFullPath" : "replacePrefixMatch", .string(value))])
    }
}
