import Testing
import TrafficPolicy

@Suite struct RouteTableTests {
    /// A header lookup over a literal dictionary, case-insensitive like NIO's `HTTPHeaders`.
    private func headers(_ values: [String: String]) -> (String) -> String? {
        let lowered = Dictionary(uniqueKeysWithValues: values.map { ($0.key.lowercased(), $0.value) })
        return { lowered[$0.lowercased()] }
    }

    @Test func pathRegexMustMatchTheWholePathIgnoringTheQuery() throws {
        let api = try HTTPRouteMatch(pathRegex: "/api/.*")
        let exact = try HTTPRouteMatch(pathRegex: "/api")
        let none = headers([:])
        #expect(api.matches(method: "GET", path: "/api/v1/users", header: none))
        #expect(!api.matches(method: "GET", path: "/v2/api/x", header: none))  // anchored at the start
        #expect(exact.matches(method: "GET", path: "/api?x=/y", header: none))
        #expect(!exact.matches(method: "GET", path: "/api/v1", header: none))  // anchored at the end
    }

    @Test func methodsMustBeListedUnlessStarOrEmpty() throws {
        let reads = try HTTPRouteMatch(methods: ["GET", "HEAD"])
        let any = try HTTPRouteMatch(methods: ["*"])
        let none = headers([:])
        #expect(reads.matches(method: "HEAD", path: "/", header: none))
        #expect(!reads.matches(method: "POST", path: "/", header: none))
        #expect(!reads.matches(method: "get", path: "/", header: none))  // methods are case-sensitive
        #expect(any.matches(method: "DELETE", path: "/", header: none))
        #expect(try HTTPRouteMatch().matches(method: "PATCH", path: "/", header: none))
    }

    @Test func everyHeaderPatternMustMatchAndAbsentHeadersNeverDo() throws {
        let match = try HTTPRouteMatch(headers: ["X-Canary": "true|yes", "user-agent": ".*Firefox.*"])
        #expect(
            match.matches(
                method: "GET",
                path: "/",
                header: headers(["x-canary": "yes", "User-Agent": "Mozilla Firefox/1"])
            )
        )
        #expect(!match.matches(method: "GET", path: "/", header: headers(["x-canary": "yes"])))
        #expect(
            !match.matches(method: "GET", path: "/", header: headers(["x-canary": "yes!", "user-agent": "Firefox"]))
        )
        let optional = try HTTPRouteMatch(headers: ["x-debug": ".*"])
        #expect(!optional.matches(method: "GET", path: "/", header: headers([:])))
    }

    @Test func firstMatchingRuleWinsAndUnmatchedRequestsGoToTheRoot() throws {
        let table = RouteTable(rules: [
            .init(matches: [try HTTPRouteMatch(headers: ["x-canary": "true"])]),
            .init(matches: [try HTTPRouteMatch(pathRegex: "/beta/.*"), try HTTPRouteMatch(methods: ["PATCH"])]),
            .init(matches: [try HTTPRouteMatch()]),
            .init(matches: []),
        ])
        let canaryHeader = headers(["X-Canary": "true"])
        #expect(table.route(method: "GET", path: "/beta/x", header: canaryHeader) == 0)
        #expect(table.route(method: "GET", path: "/beta/x", header: headers([:])) == 1)
        #expect(table.route(method: "PATCH", path: "/", header: headers([:])) == 1)
        #expect(table.route(method: "GET", path: "/", header: headers([:])) == 2)
        let noCatchAll = RouteTable(rules: Array(table.rules.prefix(2)) + [table.rules[3]])
        #expect(noCatchAll.route(method: "GET", path: "/", header: headers([:])) == nil)
        #expect(noCatchAll.route(method: "GET", path: "/beta/y?debug=1", header: headers([:])) == 1)
    }

    @Test func aBadPatternIsReportedWithItsField() {
        #expect(throws: RouteMatchError.self) { try HTTPRouteMatch(pathRegex: "/api/(") }
        do {
            _ = try HTTPRouteMatch(headers: ["X-User": "[a-"])
            Issue.record("expected an error")
        } catch {
            #expect(error.field == "headers.x-user")
            #expect(error.pattern == "[a-")
            #expect(error.description.hasPrefix("headers.x-user: invalid regular expression \"[a-\""))
        }
    }
}
