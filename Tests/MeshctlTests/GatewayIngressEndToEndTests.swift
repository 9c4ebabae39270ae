import Foundation
import Testing

/// Gateway API ingress through a real operator: a Gateway's listener is a port of the gateway process, and the
/// HTTPRoutes attached to it route by Host, then by path prefix, to the demo services; anything else gets 404.
@Suite("Gateway ingress end to end", .serialized)
struct GatewayIngressEndToEndTests {
    @Test func twoHostnamesAndTwoPrefixesReachTheirServicesAndAnUnknownHostGets404() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let ports = (0..<4).map { _ in OperatorHarness.freePort() }
        let ingress = ports[3]
        func service(_ name: String, _ port: Int) -> String {
            """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: \(name)}
            spec: {port: \(port), command: [meshctl, demo-app, --version, \(name)]}
            ---

            """
        }
        try harness.write("mesh.yaml", service("shop-api", ports[0]) + service("shop-static", ports[1])
            + service("blog", ports[2]) + """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GatewayClass
            metadata: {name: meshctl}
            spec: {controllerName: example.com/meshctl-gateway}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: Gateway
            metadata: {name: public}
            spec:
              gatewayClassName: meshctl
              listeners: [{name: http, protocol: HTTP, port: \(ingress)}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: shop}
            spec:
              parentRefs: [{name: public, sectionName: http}]
              hostnames: [shop.example.com]
              rules:
              - matches: [{path: {type: PathPrefix, value: /api}}]
                backendRefs: [{name: shop-api, port: 80}]
              - matches: [{path: {type: PathPrefix, value: /static}}]
                backendRefs: [{name: shop-static, port: 80}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: blog}
            spec:
              parentRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: public}]
              hostnames: ["*.blog.example.com"]
              rules: [{backendRefs: [{name: blog, port: 80}]}]

            """)
        let apply = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(apply.status == 0, "\(apply.stderr)")
        func version(_ host: String, _ path: String) -> String? {
            HeaderGet.get(port: ingress, host: host, path: path).map { $0.status == 200 ? $0.version : "\($0.status)" }
        }
        #expect(harness.eventually(60) {
            version("shop.example.com", "/api/cart") == "shop-api" && version("shop.example.com", "/static/a.css") == "shop-static"
                && version("www.blog.example.com", "/") == "blog"
        })
        for _ in 0..<3 {
            #expect(version("shop.example.com", "/api") == "shop-api")
            #expect(version("SHOP.example.com:\(ingress)", "/static/x") == "shop-static")
            #expect(version("en.blog.example.com", "/post/1") == "blog")
        }
        #expect(version("shop.example.com", "/apix") == "404", "a prefix matches whole path elements")
        #expect(version("unknown.example.com", "/api") == "404")
        #expect(version("blog.example.com", "/") == "404", "a wildcard takes subdomains only")
        #expect(version("shop-api", "/") == "404", "the Gateway's port does not route by service name")

        let refused = try harness.meshctl(["delete", "gateway", "public"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("httproute/shop"), "\(refused.stderr)")
    }
}
