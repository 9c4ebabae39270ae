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
        #expect(config.retryPolicies[0].perTryTimeout == .ms(500))
        #expect(config.retryPolicies[0].retryNonIdempotent == false)
        #expect(config.defaultRequestTimeout == .seconds(15))
        let again = try SidecarConfiguration.decode(json: config.encodedJSON())
        #expect(again == config)
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

    @Test("durations", arguments: [("250ms", 250), ("2s", 2000), ("1.5s", 1500), ("1m", 60000)])
    func durations(text: String, ms: Int64) {
        #expect(ConfigDuration(parsing: text)?.milliseconds == ms)
    }
}
