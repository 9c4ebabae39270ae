#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SidecarConfig
import Testing

@Suite("Sidecar configuration")
struct SidecarConfigTests {
    static let sample = """
        {
          "version": "gen-7",
          "listeners": [
            {"name": "in", "kind": "inbound", "address": "127.0.0.1:15001", "service": "web-local"},
            {"name": "gw", "kind": "gateway", "address": "127.0.0.1:8080",
             "routes": [{"host": "shop.local", "pathPrefix": "/api", "service": "web"}]}
          ],
          "services": [
            {"name": "web-local", "endpoints": ["127.0.0.1:9000"]},
            {"name": "web", "endpoints": ["127.0.0.1:9000"], "loadBalancer": "least-request",
             "outlierDetection": {"consecutive5xxErrors": 3, "baseEjectionTime": "10s"},
             "healthCheck": {"path": "/healthz", "interval": "2s"}},
            {"name": "web-canary", "endpoints": ["127.0.0.1:9100"]}
          ],
          "splits": [{"name": "web-split", "rootService": "web",
                      "backends": [{"service": "web-canary", "weight": 10}],
                      "matches": [{"name": "m", "pathRegex": "/api/.*", "methods": ["GET"], "headers": {"x-user": "beta.*"}}]}],
          "retryPolicies": [{"name": "r", "service": "web", "attempts": 3, "perTryTimeout": "500ms", "timeout": "2s",
                             "retryOn": ["5xx", "connect-failure"],
                             "backoff": {"base": "25ms", "max": "250ms", "jitter": 0.5},
                             "budget": {"percent": 20, "minRetriesPerSecond": 10}}]
        }
        """

    @Test("a full configuration decodes with defaults filled in, and round-trips through JSON")
    func decodes() throws {
        let config = try SidecarConfiguration.decode(json: Data(Self.sample.utf8))
        #expect(config.version == "gen-7")
        #expect(config.services[0].loadBalancer == .p2cEWMA)
        #expect(config.services[1].outlierDetection?.baseEjectionTime == .seconds(10))
        #expect(config.services[1].outlierDetection?.maxEjectionPercent == 10)
        #expect(config.services[1].healthCheck?.unhealthyThreshold == 3)
        #expect(config.retryPolicies[0].perTryTimeout == .milliseconds(500))
        #expect(config.retryPolicies[0].retryNonIdempotent == false)
        #expect(config.defaultRequestTimeout == .seconds(15))
        let again = try SidecarConfiguration.decode(json: config.encodedJSON())
        #expect(again == config)
    }

    @Test("appProtocol: absent reads as http (older configurations), tcp round-trips, http is not written")
    func appProtocol() throws {
        let config = try SidecarConfiguration.decode(json: Data(Self.sample.utf8))
        #expect(config.services.map(\.appProtocol) == [.http, .http, .http])
        #expect(!String(decoding: config.encodedJSON(), as: UTF8.self).contains("appProtocol"))
        var tcp = config
        tcp.services[2].appProtocol = .tcp
        let json = tcp.encodedJSON()
        #expect(String(decoding: json, as: UTF8.self).contains(#""appProtocol" : "tcp""#))
        #expect(try SidecarConfiguration.decode(json: json).services[2].appProtocol == .tcp)
        let bad = #"{"version": "v", "services": [{"name": "db", "endpoints": [], "appProtocol": "quic"}]}"#
        #expect(throws: (any Error).self) { try SidecarConfiguration.decode(json: Data(bad.utf8)) }
    }

    @Test("validation reports every problem with its path")
    func problems() throws {
        var config = try SidecarConfiguration.decode(json: Data(Self.sample.utf8))
        config.services[0].endpoints = ["no-port"]
        config.splits[0].backends.append(.init(service: "web", weight: -1))
        config.splits[0].matches[0].pathRegex = "(["
        config.retryPolicies[0].attempts = 0
        config.listeners[1].routes[0].service = "nope"
        #expect(throws: ConfigError.self) { try config.validate() }
        do {
            try config.validate()
        } catch {
            let paths = Set(error.problems.map(\.path))
            #expect(paths.isSuperset(of: [
                "services[0].endpoints[0]", "splits[0].backends[1].weight", "splits[0].backends[1].service",
                "splits[0].matches[0].pathRegex", "retryPolicies[0].attempts",
            ]))
            // An undefined service is not a problem: only the route that names it degrades (issue 13).
            #expect(!paths.contains("listeners[1].routes[0].service"))
        }
        #expect(config.degradedRoutes().map(\.path) == ["listeners[1].routes[0].service"])
    }

    @Test("degraded routes are the same whether few names are looked up (a list scan) or many (a set)",
          arguments: [0, 1, 6])
    func degradedAtAnySize(extraSplits: Int) throws {
        var config = try SidecarConfiguration.decode(json: Data(Self.sample.utf8))
        config.listeners[1].routes[0].service = "nope"
        var expected = ["listeners[1].routes[0].service"]
        for index in 0..<extraSplits {
            // Even splits name a known backend, odd ones an unknown one.
            let backend = index.isMultiple(of: 2) ? "web-canary" : "missing-\(index)"
            config.splits.append(.init(name: "extra-\(index)", rootService: "web", backends: [.init(service: backend, weight: 1)]))
            if !index.isMultiple(of: 2) { expected.append("splits[\(index + 1)].backends[0].service") }
        }
        config.retryPolicies[0].service = "gone"
        expected.append("retryPolicies[0].service")
        // 6 lookups in the sample; 6 extra splits make 18, past the list scan's bound.
        #expect(config.degradedRoutes().map(\.path) == expected)
    }

    @Test("type errors name the field")
    func typeErrors() {
        do {
            _ = try SidecarConfiguration.decode(json: Data(#"{"version": "v", "services": [{"name": "a", "endpoints": 3}]}"#.utf8))
            Issue.record("expected a failure")
        } catch {
            #expect(error.description.contains("services[0].endpoints"))
        }
        do {
            _ = try SidecarConfiguration.decode(json: Data(#"{"version": "v", "defaultRequestTimeout": "soon"}"#.utf8))
            Issue.record("expected a failure")
        } catch {
            #expect(error.description.contains("defaultRequestTimeout"))
        }
    }

    @Test("durations read the one grammar (sums, fractions) or milliseconds, and are written canonically")
    func durations() throws {
        let json = #"""
            {"version": "v", "defaultRequestTimeout": "1m30s",
             "services": [{"name": "web", "endpoints": ["127.0.0.1:9000"],
                           "healthCheck": {"interval": "1m0.5s", "timeout": 250},
                           "outlierDetection": {"baseEjectionTime": "1.5s"}}],
             "limits": {"idleTimeout": "2h30m"}}
            """#
        let config = try SidecarConfiguration.decode(json: Data(json.utf8))
        #expect(config.defaultRequestTimeout == .seconds(90))
        #expect(config.services[0].healthCheck?.interval == .milliseconds(60_500))
        #expect(config.services[0].healthCheck?.timeout == .milliseconds(250))
        #expect(config.services[0].outlierDetection?.baseEjectionTime == .milliseconds(1500))
        #expect(config.limits.idleTimeout == .seconds(9000))
        let text = String(decoding: config.encodedJSON(), as: UTF8.self)
        for written in [#""defaultRequestTimeout" : "1m30s""#, #""interval" : "1m500ms""#, #""timeout" : "250ms""#,
                        #""baseEjectionTime" : "1s500ms""#, #""idleTimeout" : "2h30m""#, #""connectTimeout" : "2s""#] {
            #expect(text.contains(written), "\(written) in \(text)")
        }
        #expect(try SidecarConfiguration.decode(json: config.encodedJSON()) == config)
    }

    @Test("no overall deadline stays none through JSON (null, not the 15s default)")
    func noDeadlineRoundTrips() throws {
        let config = SidecarConfiguration(version: "quick", defaultRequestTimeout: nil)
        let again = try SidecarConfiguration.decode(json: config.encodedJSON())
        #expect(again.defaultRequestTimeout == nil)
        #expect(again == config)
    }

    @Test("a bad duration names the field and says why", arguments: [
        ("\"1s1s\"", "units go from largest to smallest"), ("\"10\"", "add a unit"), ("\"5d\"", "unknown unit \"d\""),
        ("-5", "a number of milliseconds from 0"), ("true", "or a number of milliseconds"),
        ("\"0.5ms\"", "finer than a millisecond"), ("\"9999999h\"", "too large"),
    ])
    func badDurations(value: String, reason: String) {
        let json = #"{"version": "v", "retryPolicies": [{"name": "r", "service": "web", "perTryTimeout": "#
            + value + "}]}"
        let error = #expect(throws: ConfigError.self) { try SidecarConfiguration.decode(json: Data(json.utf8)) }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.hasPrefix("retryPolicies[0].perTryTimeout: expected a duration"), "\(text)")
        #expect(text.contains(reason), "\(text)")
    }
}
