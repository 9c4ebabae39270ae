#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Sidecar
import SidecarConfig
import Testing

/// A local process that can reach a proxy's admin port but does not hold the operator's token can read, and change
/// nothing (docs/security.md).
@Suite("Proxy admin authorization", .serialized)
struct AdminAuthorizationTests {
    private let token = "0123456789abcdef0123456789abcdef"

    private func json(_ config: SidecarConfiguration) -> String {
        String(decoding: config.encodedJSON(), as: UTF8.self)
    }

    @Test("a rogue client without the token gets 401 on PUT, PATCH and drain, and the proxy keeps its configuration")
    func rogueClientRefused() async throws {
        let old = try await TestBackend { _, _ in TestBackend.ok("old") }
        let rogue = try await TestBackend { _, _ in TestBackend.ok("rogue") }
        let proxy = try await ProxyHarness(
            ProxyHarness.config(version: "v1", services: [ServiceConfig(name: "b", endpoints: [old.address])]),
            adminToken: token)
        let reroute = json(ProxyHarness.config(version: "evil", services: [ServiceConfig(name: "b", endpoints: [rogue.address])]))
        let patch = "{\"base\":\"v1\",\"version\":\"evil\",\"splits\":[],\"retryPolicies\":[]}"
        let answers = try await offPool {
            [try proxy.admin("PUT", "/config", body: reroute),
             try proxy.admin("PUT", "/config", headers: ["authorization: Bearer wrong-token-of-some-length"], body: reroute),
             try proxy.admin("PUT", "/config", headers: ["authorization: \(token)"], body: reroute),
             try proxy.admin("PATCH", "/config", body: patch),
             try proxy.admin("POST", "/drain")]
        }
        for answer in answers {
            #expect(answer.status == 401)
            #expect(answer.header("www-authenticate") == "Bearer")
        }
        let (served, version, ready, metrics) = try await offPool {
            (try proxy.get().text, try proxy.admin("GET", "/config/version").text,
             try proxy.admin("GET", "/ready").status, try proxy.admin("GET", "/metrics").status)
        }
        #expect(served == "old")
        #expect(version.contains("\"v1\""))
        #expect(ready == 200)
        #expect(metrics == 200)  // reads stay open: a local Prometheus scrapes without the secret

        let authorized = try await offPool {
            try proxy.admin("PUT", "/config", headers: ["authorization: Bearer \(token)"], body: reroute)
        }
        #expect(authorized.status == 200)
        #expect(try await offPool { try proxy.get().text } == "rogue")
        await proxy.stop()
        await old.stop()
        await rogue.stop()
    }

    @Test("a pushed configuration cannot point the access log at a file the proxy was not started with")
    func pushedAccessLogPathRefused() async throws {
        let backend = try await TestBackend { _, _ in TestBackend.ok() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("admin-guard-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var config = ProxyHarness.config(version: "v1", services: [ServiceConfig(name: "b", endpoints: [backend.address])])
        config.accessLog = AccessLogConfig(path: folder + "/started.log")
        let proxy = try await ProxyHarness(config, adminToken: token)
        var elsewhere = config
        elsewhere.version = "v2"
        elsewhere.accessLog = AccessLogConfig(path: folder + "/victim")
        var same = config
        same.version = "v3"
        let bearer = ["authorization: Bearer \(token)"]
        let (elsewhereJSON, sameJSON) = (json(elsewhere), json(same))
        let (refused, accepted) = try await offPool {
            (try proxy.admin("PUT", "/config", headers: bearer, body: elsewhereJSON),
             try proxy.admin("PUT", "/config", headers: bearer, body: sameJSON))
        }
        #expect(refused.status == 400)
        #expect(refused.text.contains("accessLog.path"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/victim"))
        #expect(accepted.status == 200)
        await proxy.stop()
        await backend.stop()
    }
}
