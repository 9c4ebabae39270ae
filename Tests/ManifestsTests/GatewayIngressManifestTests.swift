import Foundation
import Testing

@testable import Manifests

/// Gateway API ingress: the shared sample (GatewayClass, Gateway, an HTTPRoute attached to it) accepted as written;
/// what meshctl's gateway cannot honour refused at its line; routes sharing a host accepted (their rules merge).
@Suite("Gateway ingress manifests")
struct GatewayIngressManifestTests {
    static let sample = "/work/shared/conformance/kubernetes/samples/good/gateway-ingress.yaml"
    static let services = serviceYAML("web", port: 9080) + serviceYAML("docs", port: 9081)
    static let gateway = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: ingress}
        spec:
          gatewayClassName: meshctl
          listeners:
          - {name: http, protocol: HTTP, port: 8080}
        ---

        """

    @Test("the shared gateway-ingress sample is accepted as written, and prints back the same")
    func conformanceSample() throws {
        let text = try String(contentsOfFile: Self.sample, encoding: .utf8)
        let report = loadManifests([("services.yaml", Self.services), ("ingress.yaml", text)])
        #expect(report.diagnostics.map(\.description) == [])
        let objects = report.objects.map(\.object)
        let gateway = try #require(objects.compactMap(\.gateway).first)
        #expect(gateway.spec == Gateway.Spec(gatewayClassName: "meshctl", listeners: [.init(name: "http", port: 8080)]))
        let route = try #require(objects.compactMap(\.httpRoute).first)
        #expect(route.spec.parentRefs == [HTTPRoute.ParentRef(name: "ingress", sectionName: "http")])
        #expect(route.spec.hostnames == ["web.example.com"])
        #expect(IngressAttachment.attachments(of: route, gateways: ["ingress": gateway])
            == [IngressAttachment(gateway: "ingress", listener: "http", port: 8080, hosts: ["web.example.com"])])
        let kinds = objects.map(\.kind)
        #expect(kinds.contains(.gatewayClass))
        let again = loadManifests([("services.yaml", Self.services), ("again.yaml", ManifestEncoder.yaml(objects.filter { $0.kind != .service }))])
        #expect(again.diagnostics.map(\.description) == [])
        #expect(Set(again.objects.map(\.object)) == Set(objects))
    }

    @Test("what the gateway cannot honour is refused at its line, every error at once")
    func unsupportedListenerFields() {
        let text = Self.services + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: ingress}
            spec:
              gatewayClassName: meshctl
              addresses: [{value: 10.0.0.1}]
              listeners:
              - name: https
                protocol: HTTPS
                port: 8443
                hostname: Web.Example.com
                tls: {mode: Terminate}
              - {name: http, protocol: HTTP, port: 9080}
              - {name: http, protocol: HTTP, port: 8081}

            """
        #expect(errors(text) == [
            "m.yaml:22:14: error: spec.addresses: not supported: meshctl's gateway listens on 127.0.0.1 and runs as one process",
            "m.yaml:25:15: error: spec.listeners[0].protocol: meshctl's gateway serves protocol \"HTTP\" only, got \"HTTPS\"",
            "m.yaml:27:15: error: spec.listeners[0].hostname: \"Web.Example.com\" is not a lower-case DNS name (optionally \"*.\" first), as Gateway API requires",
            "m.yaml:28:10: error: spec.listeners[0].tls: not supported: meshctl's gateway serves plaintext HTTP",
            "m.yaml:30:12: error: spec.listeners[2].name: listener \"http\" is listed twice",
        ])
        let port = errors(Self.services + Self.gateway.replacingOccurrences(of: "port: 8080", with: "port: 9080"))
        #expect(port.count == 1)
        #expect(port.first?.contains("spec.listeners[0].port: port 9080 is already used by service \"web\"") == true, "\(port)")
    }

    @Test("a route's Gateway, listener and hostnames are checked; two routes for one host of a listener merge")
    func routeAttachment() {
        func route(_ name: String, _ parent: String, hosts: String) -> String {
            """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: \(name)}
            spec:
              parentRefs: [\(parent)]
              hostnames: \(hosts)
              rules: [{backendRefs: [{name: web, port: 80}]}]
            ---

            """
        }
        let text = Self.services + Self.gateway
            + route("a", "{name: ingress, sectionName: https}", hosts: "[a.example.com]")
            + route("b", "{name: ingres}", hosts: "[]")
            + route("f", "{name: ingress}", hosts: "[\"-bad-.example.com\"]")
            + route("c", "{kind: Gateway, name: ingress, port: 9999}", hosts: "[]")
            + route("d", "{group: gateway.networking.k8s.io, kind: Gateway, name: ingress}", hosts: "[x.example.com]")
            + route("e", "{name: ingress}", hosts: "[x.example.com, y.example.com]")
        let found = errors(text)
        #expect(found.count == 4, "\(found)")
        #expect(!found.contains { $0.contains("HTTPRoute \"a\" (") }, "a route that attaches nowhere claims no host")
        #expect(found.contains { $0.contains(#"spec.parentRefs[0].sectionName: Gateway "ingress" has no listener "https" (its listeners: http)"#) })
        #expect(found.contains { $0.contains(#"spec.parentRefs[0].name: neither a service nor a Gateway "ingres" is not defined in this apply set"#) })
        #expect(found.contains { $0.contains(#"spec.hostnames[0]: "-bad-.example.com" is not a lower-case DNS name"#) })
        #expect(found.contains { $0.contains(#"spec.parentRefs[0].port: no listener of Gateway "ingress" serves port 9999"#) })
        // d and e share x.example.com of port 8080: Gateway API merges their rules (RouteParent), nothing to refuse.
        #expect(!found.contains { $0.contains("already routed") }, "\(found)")
    }

    @Test("listener and route hostnames intersect as Gateway API says; wildcards take subdomains only")
    func hostnameIntersection() {
        #expect(GatewayHostname.intersection(listener: nil, route: []) == [nil])
        #expect(GatewayHostname.intersection(listener: "*.example.com", route: []) == ["*.example.com"])
        #expect(GatewayHostname.intersection(listener: "*.example.com", route: ["a.example.com", "b.other.com"]) == ["a.example.com"])
        #expect(GatewayHostname.intersection(listener: "a.example.com", route: ["*.example.com"]) == ["a.example.com"])
        #expect(GatewayHostname.intersection(listener: "a.example.com", route: ["b.example.com"]) == [])
        #expect(GatewayHostname.isValid("*.example.com") && !GatewayHostname.isValid("10.0.0.1") && !GatewayHostname.isValid("a.*.com"))
    }

}
