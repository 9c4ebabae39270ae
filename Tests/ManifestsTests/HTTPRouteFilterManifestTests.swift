import Foundation
import Testing

@testable import Manifests

/// HTTPRoute filters as Gateway API writes them: decoded with its defaults, printed back the same, and bad input
/// (Gateway API's own validation rules and meshctl's) at its line.
@Suite("HTTPRoute filter manifests")
struct HTTPRouteFilterManifestTests {
    static let services = HTTPRouteManifestTests.services
    static let head = HTTPRouteManifestTests.head

    @Test("header modifiers, URLRewrite and RequestRedirect decode with defaults (302) and print back the same")
    func decodeAndPrint() throws {
        let route = Self.head + """
              parentRefs: [{name: web}]
              rules:
              - matches: [{path: {type: PathPrefix, value: /old/}}]
                filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    set: [{name: X-Env, value: prod}]
                    add: [{name: x-trace, value: "1"}]
                    remove: [x-debug]
                - type: ResponseHeaderModifier
                  responseHeaderModifier: {remove: [server]}
                - type: URLRewrite
                  urlRewrite: {hostname: api.internal, path: {type: ReplacePrefixMatch, replacePrefixMatch: /new}}
                backendRefs: [{name: web-v1, port: 80}]
              - matches: [{path: {type: Exact, value: /http}}]
                filters:
                - type: RequestRedirect
                  requestRedirect: {scheme: https, port: 8443}

            """
        let report = loadManifests(Self.services + route)
        #expect(report.diagnostics.map(\.description) == [])
        let loaded = try #require(report.objects.last?.object.httpRoute)
        let filters = loaded.spec.rules[0].filters
        #expect(filters.requestHeaders == HTTPRoute.HeaderModifier(
            set: [.init(name: "x-env", value: "prod")], add: [.init(name: "x-trace", value: "1")], remove: ["x-debug"]))
        #expect(filters.responseHeaders == HTTPRoute.HeaderModifier(remove: ["server"]))
        #expect(filters.rewrite == HTTPRoute.URLRewrite(hostname: "api.internal", path: .init(type: .replacePrefixMatch, value: "/new")))
        #expect(loaded.spec.rules[1].filters.redirect == HTTPRoute.Redirect(scheme: "https", port: 8443, statusCode: 302))
        #expect(loaded.spec.rules[1].backendRefs.isEmpty)
        let again = loadManifests(Self.services + ManifestEncoder.yaml([.httpRoute(loaded)]))
        #expect(again.diagnostics.map(\.description) == [])
        #expect(again.objects.last?.object == .httpRoute(loaded))
    }

    @Test("bad filters are refused at their line: stray settings, repeats, redirect with backends or beside a rewrite, prefix rewrite without one PathPrefix match, bad names, values, scheme and status")
    func badFilters() {
        let route = Self.head + """
              parentRefs: [{name: web}]
              rules:
              - matches: [{path: {type: Exact, value: /a}}]
                filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    set: [{name: "bad name", value: x}, {name: content-length, value: "1"}]
                    remove: [x-a, X-A]
                  urlRewrite: {hostname: x}
                - type: RequestHeaderModifier
                  requestHeaderModifier: {}
                - type: URLRewrite
                  urlRewrite: {path: {type: ReplacePrefixMatch, replaceFullPath: /x}}
                - type: RequestRedirect
                  requestRedirect: {scheme: ftp, statusCode: 304, hostname: Bad_Host}
                - type: ExtensionRef
                backendRefs: [{name: web-v1, port: 80}]

            """
        let found = errors(Self.services + route)
        let expected = [
            #"m.yaml:36:22: error: spec.rules[0].filters[0].requestHeaderModifier.set[0].name: "bad name" is not a header name"#,
            #"m.yaml:36:52: error: spec.rules[0].filters[0].requestHeaderModifier.set[1].name: "content-length" frames the message; meshctl does not modify it"#,
            #"m.yaml:37:23: error: spec.rules[0].filters[0].requestHeaderModifier.remove[1]: "X-A" is listed twice"#,
            "m.yaml:38:19: error: spec.rules[0].filters[0].urlRewrite: must be nil if the filter.type is not URLRewrite",
            "m.yaml:39:13: error: spec.rules[0].filters[1].type: RequestHeaderModifier filter cannot be repeated",
            "m.yaml:42:26: error: spec.rules[0].filters[2].urlRewrite.path.replacePrefixMatch: replacePrefixMatch must be specified when type is set to 'ReplacePrefixMatch'",
            "m.yaml:42:70: error: spec.rules[0].filters[2].urlRewrite.path.replaceFullPath: type must be 'ReplaceFullPath' when replaceFullPath is set",
            "m.yaml:43:13: error: spec.rules[0].filters[3].type: may specify either RequestRedirect or URLRewrite, but not both",
            "m.yaml:43:13: error: spec.rules[0].filters[3].type: RequestRedirect filter must not be used together with backendRefs",
            #"m.yaml:44:33: error: spec.rules[0].filters[3].requestRedirect.scheme: must be "http" or "https", got "ftp""#,
            "m.yaml:44:50: error: spec.rules[0].filters[3].requestRedirect.statusCode: must be one of 301, 302, 303, 307, 308, got 304",
            #"m.yaml:44:65: error: spec.rules[0].filters[3].requestRedirect.hostname: "Bad_Host" is not a lower-case DNS name"#,
            "m.yaml:45:7: error: spec.rules[0].filters[4].extensionRef: required field is missing",
        ]
        for line in expected { #expect(found.contains(line), "\(line)\n\(found.joined(separator: "\n"))") }
        let prefix = errors(Self.services + Self.head + """
              parentRefs: [{name: web}]
              rules:
              - matches: [{path: {type: Exact, value: /a}}]
                filters:
                - type: URLRewrite
                  urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /b}}
                backendRefs: [{name: web-v1, port: 80}]

            """)
        #expect(prefix.contains { $0.contains("spec.rules[0].filters[0].urlRewrite.path: when using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified") }, "\(prefix)")
    }
}
