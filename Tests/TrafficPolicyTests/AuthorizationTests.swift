import Testing
@testable import TrafficPolicy

@Suite("authorization decisions")
struct AuthorizationTests {
    let web = "spiffe://meshctl.local/ns/default/sa/web"
    let api = "spiffe://meshctl.local/ns/default/sa/api"

    @Test("no policy allows everything, plaintext callers included")
    func noPolicy() {
        #expect(Authorization(policies: []).decide(caller: nil, method: "POST", path: "/x") == .allowed)
    }

    @Test("ALLOW: only matching callers; a caller with another identity is denied")
    func allowList() {
        let rules = Authorization(policies: [.init(name: "only-web", action: .allow, rules: [.init(from: ["web"])])])
        #expect(rules.decide(caller: web, method: "GET", path: "/") == .allowed)
        #expect(rules.decide(caller: api, method: "GET", path: "/") == .denied(policy: nil))
        #expect(rules.decide(caller: nil, method: "GET", path: "/") == .denied(policy: nil))
    }

    @Test("DENY wins over ALLOW, and names the policy")
    func denyFirst() {
        let rules = Authorization(policies: [
            .init(name: "anyone", action: .allow, rules: [.init()]),
            .init(name: "no-admin-writes", action: .deny, rules: [.init(methods: ["POST", "DELETE"], paths: ["/admin/*"])]),
        ])
        #expect(rules.decide(caller: web, method: "POST", path: "/admin/users") == .denied(policy: "no-admin-writes"))
        #expect(rules.decide(caller: web, method: "GET", path: "/admin/users") == .allowed)
        #expect(rules.decide(caller: web, method: "POST", path: "/administrator") == .allowed)
    }

    @Test("patterns: full SPIFFE IDs with wildcards, *, unauthenticated; paths exact or prefix, query ignored")
    func patterns() {
        let rules = Authorization(policies: [.init(name: "p", action: .allow, rules: [
            .init(from: ["spiffe://meshctl.local/ns/*/sa/we*"], paths: ["/exact"]),
            .init(from: ["unauthenticated"], methods: ["GET"], paths: ["/public/*"]),
            .init(from: ["*"], methods: ["HEAD"]),
        ])])
        #expect(rules.decide(caller: web, method: "GET", path: "/exact?x=1") == .allowed)
        #expect(rules.decide(caller: web, method: "GET", path: "/exact/more") == .denied(policy: nil))
        #expect(rules.decide(caller: nil, method: "GET", path: "/public/a") == .allowed)
        #expect(rules.decide(caller: nil, method: "POST", path: "/public/a") == .denied(policy: nil))
        #expect(rules.decide(caller: api, method: "HEAD", path: "/anything") == .allowed)
        #expect(rules.decide(caller: nil, method: "HEAD", path: "/anything") == .denied(policy: nil))
    }

    @Test("an ALLOW policy without rules allows nothing")
    func allowNothing() {
        let rules = Authorization(policies: [.init(name: "nothing", action: .allow, rules: [])])
        #expect(rules.decide(caller: web, method: "GET", path: "/") == .denied(policy: nil))
    }

    @Test("glob: * is any run, other characters match themselves")
    func glob() {
        #expect(Authorization.glob("*", ""))
        #expect(Authorization.glob("a*c", "abbbc"))
        #expect(!Authorization.glob("a*c", "abbbd"))
        #expect(Authorization.glob("*b*", "abc"))
        #expect(!Authorization.glob("web", "web2"))
    }
}
