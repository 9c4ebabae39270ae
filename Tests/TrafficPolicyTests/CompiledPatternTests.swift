import Testing

@testable import TrafficPolicy

/// The fast paths must agree with Swift `Regex` whole matching on every value, or routing would change with the
/// shape of a pattern.
@Suite struct CompiledPatternTests {
    static let patterns = [
        ".*", "^/api/.*$", "/api/.*", "/v1\\.0/.*", "true", "a|b|", "yes|true", ".*fire.*", ".*\\.", "\\.*", "a.b",
        "[ab]", "a\\-b", "a\\|b", "a.*b", "\\d+", "x{2}", ".*.*", "", "^", "$", "a\\", "/a b/.*", ".*é", "^a|b$",
        "a\\$", "\\/x", "#x", "a?", ".*a.*|b",
    ]
    static let alphabet: [String] = ["a", "b", "/", ".", "-", "|", "\\", "x", "1", "é", "\n", "\t", " ", "$", "#"]

    @Test func recognisesTheCommonShapes() {
        #expect(CompiledPattern.shape(of: ".*") == .any)
        #expect(CompiledPattern.shape(of: "^/api/.*$") == .prefix(Array("/api/".utf8)))
        #expect(CompiledPattern.shape(of: "/v1\\.0/.*") == .prefix(Array("/v1.0/".utf8)))
        #expect(CompiledPattern.shape(of: ".*Firefox.*") == .contains(Array("Firefox".utf8)))
        #expect(CompiledPattern.shape(of: ".*\\.") == .suffix(Array(".".utf8)))
        #expect(CompiledPattern.shape(of: "true|yes") == .oneOf([Array("true".utf8), Array("yes".utf8)]))
        #expect(CompiledPattern.shape(of: "true") == .literal(Array("true".utf8)))
        for complex in ["a.b", "\\d+", "[ab]", "a\\|b", "x{2}", "\\.*", "a.*b", "a\\"] {
            #expect(CompiledPattern.shape(of: complex) == nil, "\(complex) needs the regex engine")
        }
    }

    @Test func fastPathsAgreeWithRegexOnRandomValues() throws {
        var rng = SplitMix64(seed: 99)
        var compared = 0
        for pattern in Self.patterns {
            guard let regex = try? Regex(pattern) else {
                #expect(throws: RouteMatchError.self) { try HTTPRouteMatch(headers: ["h": pattern]) }
                continue
            }
            let match = try HTTPRouteMatch(headers: ["h": pattern])
            var values = ["", "/api/", "/api/x", "/v1.0/a", "true", "yes", "a", "b", "firefox", ".", "a b", "/a b/c"]
            for _ in 0..<150 {
                let length = Int.random(in: 0...7, using: &rng)
                values.append((0..<length).map { _ in Self.alphabet.randomElement(using: &rng)! }.joined())
            }
            for value in values {
                let expected = (try? regex.wholeMatch(in: value)) != nil
                let actual = match.matches(method: "GET", path: "/", header: { _ in value })
                #expect(actual == expected, "pattern \(pattern.debugDescription) value \(value.debugDescription)")
                compared += 1
            }
        }
        #expect(compared > 3_000)
    }
}
