import Foundation
import Testing

@testable import Manifests

/// HTTPRoutes written the way the Gateway API documentation's guides write them (mesh/GAMMA routes, HTTP routing,
/// traffic splitting, header modifiers, redirects and rewrites, mirroring, timeouts, v1beta1), with this test's own
/// names: each is accepted as written with nothing to change, Gateway API's defaults filled in.
@Suite("Gateway API documentation shapes")
struct GatewayAPIDocumentationShapesTests {
    static let services = ["echo", "echo-v1", "echo-v2", "shop", "shop-canary", "shop-v1", "shop-v2", "media"]
        .enumerated().map { serviceYAML($0.element, port: 8100 + $0.offset) }
        .joined()
    static let gateway = """
        apiVersion: gateway.networking.k8s.io/v1
        kind: Gateway
        metadata: {name: edge}
        spec:
          gatewayClassName: meshctl
          listeners:
          - name: http
            protocol: HTTP
            port: 8180
        ---

        """

    /// Loads `route` beside the services (and the Gateway when it is the parent); the one route, or a failure.
    func accepted(_ route: String, gateway: Bool = false) throws -> HTTPRoute {
        let report = loadManifests(Self.services + (gateway ? Self.gateway : "") + route)
        #expect(report.diagnostics.map(\.description) == [])
        return try #require(report.objects.compactMap(\.object.httpRoute).first)
    }

    @Test("a GAMMA route: group \"\" and kind Service, rules with backendRefs only (every request)")
    func meshRoute() throws {
        let route = try accepted("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: echo
            spec:
              parentRefs:
              - group: ""
                kind: Service
                name: echo
              rules:
              - backendRefs:
                - name: echo-v1
                  port: 80

            """)
        #expect(route.spec.parentRefs == [HTTPRoute.ParentRef(name: "echo", kind: .service)])
        #expect(route.spec.rules[0].matches.isEmpty)
        #expect(route.spec.rules[0].backendRefs == [.init(name: "echo-v1", port: 80, weight: 1)])
    }

    @Test("a mesh route written with kind Service and no group, and a path match without a type (PathPrefix)")
    func kindOnlyParentAndUntypedPath() throws {
        let route = try accepted("""
            kind: HTTPRoute
            apiVersion: gateway.networking.k8s.io/v1
            metadata:
              name: shop
              labels:
                app: shop
            spec:
              parentRefs:
              - kind: Service
                name: shop
                port: 8080
              rules:
              - matches:
                - path:
                    value: "/cart"
                backendRefs:
                - name: shop-v1
                  port: 8080

            """)
        #expect(route.spec.parentRefs == [HTTPRoute.ParentRef(name: "shop", kind: .service, port: 8080)])
        #expect(route.spec.rules[0].matches[0].path == HTTPRoute.PathMatch(type: .pathPrefix, value: "/cart"))
    }

    @Test("HTTP routing guide: a Gateway parent with a hostname, an Exact header rule, then a catch-all rule")
    func headerRoutingOnAGateway() throws {
        let route = try accepted("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: shop-route
            spec:
              parentRefs:
              - name: edge
              hostnames:
              - "shop.example.com"
              rules:
              - matches:
                - headers:
                  - type: Exact
                    name: env
                    value: canary
                backendRefs:
                - name: shop-canary
                  port: 8080
              - backendRefs:
                - name: shop-v1
                  port: 8080

            """, gateway: true)
        #expect(route.spec.hostnames == ["shop.example.com"])
        #expect(route.spec.rules.map { $0.backendRefs.map(\.name) } == [["shop-canary"], ["shop-v1"]])
    }

    @Test("traffic splitting guide: weights 90 and 10 on one rule, a weight left out counting 1")
    func trafficSplit() throws {
        let route = try accepted("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: shop-split
            spec:
              parentRefs:
              - group: ""
                kind: Service
                name: shop
                port: 8080
              rules:
              - backendRefs:
                - name: shop-v1
                  port: 8080
                  weight: 90
                - name: shop-v2
                  port: 8080
                  weight: 10
              - matches:
                - headers:
                  - name: traffic
                    value: test
                backendRefs:
                - name: shop-v2
                  port: 8080

            """)
        #expect(route.spec.rules[0].backendRefs.map(\.weight) == [90, 10])
        #expect(route.spec.rules[1].backendRefs.map(\.weight) == [1])
        #expect(route.spec.rules[1].matches[0].headers == [.init(type: .exact, name: "traffic", value: "test")])
    }

    @Test("header modifier guides: request add/set/remove and several response headers added, names in any case")
    func headerModifiers() throws {
        let route = try accepted("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: header-filters
            spec:
              parentRefs:
              - group: ""
                kind: Service
                name: echo
              rules:
              - matches:
                - path:
                    type: PathPrefix
                    value: /add-response-headers
                filters:
                - type: ResponseHeaderModifier
                  responseHeaderModifier:
                    add:
                    - name: X-Header-Add-1
                      value: header-add-1
                    - name: X-Header-Add-2
                      value: header-add-2
                backendRefs:
                - name: echo-v1
                  port: 8080
              - filters:
                - type: RequestHeaderModifier
                  requestHeaderModifier:
                    add:
                    - name: my-header
                      value: foo
                    set:
                    - name: user-agent
                      value: custom
                    remove:
                    - x-debug
                backendRefs:
                - name: echo-v1
                  port: 8080

            """)
        #expect(route.spec.rules[0].filters.responseHeaders?.add.count == 2)
        #expect(route.spec.rules[1].filters.requestHeaders?.remove == ["x-debug"])
    }

    @Test("redirect and rewrite guides: https redirect 301 without backends, a full-path redirect, a prefix rewrite with a hostname")
    func redirectsAndRewrites() throws {
        let route = try accepted("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: redirects
            spec:
              parentRefs:
              - name: edge
                sectionName: http
              hostnames:
              - redirect.example
              rules:
              - matches:
                - path:
                    type: PathPrefix
                    value: /secure
                filters:
                - type: RequestRedirect
                  requestRedirect:
                    scheme: https
                    statusCode: 301
              - matches:
                - path:
                    type: PathPrefix
                    value: /old
                filters:
                - type: RequestRedirect
                  requestRedirect:
                    hostname: www.example.com
                    path:
                      type: ReplaceFullPath
                      replaceFullPath: /fake
              - matches:
                - path:
                    type: PathPrefix
                    value: /cardamom
                filters:
                - type: URLRewrite
                  urlRewrite:
                    hostname: elsewhere.example
                    path:
                      type: ReplacePrefixMatch
                      replacePrefixMatch: /fennel
                backendRefs:
                - name: media
                  weight: 1
                  port: 80

            """, gateway: true)
        #expect(route.spec.rules[0].filters.redirect?.statusCode == 301)
        #expect(route.spec.rules[1].filters.redirect?.statusCode == 302, "Gateway API's default status")
        #expect(route.spec.rules[2].filters.rewrite?.hostname == "elsewhere.example")
    }

    @Test("mirroring guide: a RequestMirror to a Service with its port; timeouts guide in v1beta1")
    func mirrorAndTimeouts() throws {
        let mirror = try accepted("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: echo-mirror
            spec:
              parentRefs:
              - group: ""
                kind: Service
                name: echo
              rules:
              - backendRefs:
                - name: echo-v1
                  port: 8080
                filters:
                - type: RequestMirror
                  requestMirror:
                    backendRef:
                      name: echo-v2
                      port: 8080

            """)
        #expect(mirror.spec.rules[0].mirror == HTTPRoute.Mirror(service: "echo-v2", port: 8080, percentage: 100))
        let timeouts = try accepted("""
            apiVersion: gateway.networking.k8s.io/v1beta1
            kind: HTTPRoute
            metadata:
              name: timeout-example
            spec:
              parentRefs:
              - name: edge
              hostnames:
              - "timeout.example.com"
              rules:
              - matches:
                - path:
                    type: PathPrefix
                    value: /timeout
                backendRefs:
                - name: media
                  port: 8080
                timeouts:
                  request: 10s
                  backendRequest: 2s
            """, gateway: true)
        #expect(timeouts.spec.rules[0].timeouts == HTTPRoute.Timeouts(request: .seconds(10), backendRequest: .seconds(2)))
    }
}
