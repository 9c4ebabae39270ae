import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The gateway's listening sockets held by the operator (ReconcileLoop+GatewaySockets.swift): a SIGKILLed gateway
/// leaves its ports listening, so clients' connections queue until the restarted gateway accepts them, where before
/// every connection was refused for the ~1-2 s of its restart (the chaos soak counted tens of thousands of wrk
/// attempts per gateway kill).
@Suite("gateway socket activation end to end", .serialized)
struct GatewaySocketActivationEndToEndTests {
    private static let slot = "gateway/gateway/0"

    private static func killGatewayUnderLoad(_ harness: OperatorHarness, port: Int, host: String) throws
        -> (connects: ConnectLoop.Counts, requests: RequestLoop.Counts, replacement: Int32?)
    {
        try KillUnderLoad.run(harness, slot: slot, port: port, host: host)
    }

    private static func operatorLog(_ harness: OperatorHarness) -> String {
        (try? String(contentsOfFile: harness.directory + "/operator.out", encoding: .utf8)) ?? ""
    }

    @Test func aKilledGatewayRefusesNoConnectionWhileItRestartsOnItsFirstPortsAndOnOneAddedInPlace() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let (webPort, apiPort) = (OperatorHarness.freePort(), OperatorHarness.freePort())
        try harness.write("web.yaml", ZeroDropEndToEndTests.service("web", port: webPort))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        #expect(harness.eventually(60) { LoopbackGet.get(port: webPort, host: "web")?.status == 200 })

        let first = try Self.killGatewayUnderLoad(harness, port: webPort, host: "web")
        #expect(first.connects.refused == 0, "\(first.connects)")
        #expect(first.connects.connected > 100)
        // At most the one request in flight on the killed gateway fails; every later one waits in the queue.
        #expect(first.requests.failed <= 1, "\(first.requests.failures)")
        let restarted = try #require(first.replacement)
        #expect(DataPlaneUpgradeEndToEndTests.environment(of: restarted)["MESH_LISTENERS_PASSED"] != nil,
                "the restarted gateway was passed the held sockets")

        // A Service added in place: the running gateway binds its port itself; the operator then holds a copy.
        try harness.write("api.yaml", ZeroDropEndToEndTests.service("api", port: apiPort))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        #expect(harness.eventually(60) { LoopbackGet.get(port: apiPort, host: "api")?.body.contains("api") == true })
        #expect(harness.eventually(30) { Self.operatorLog(harness).contains("holds the listening socket 127.0.0.1:\(apiPort) of ") },
                "\(Self.operatorLog(harness).suffix(3000))")
        let added = try Self.killGatewayUnderLoad(harness, port: apiPort, host: "api")
        #expect(added.connects.refused == 0, "\(added.connects)")
        #expect(added.requests.failed <= 1, "\(added.requests.failures)")
    }

    @Test func afterAnOperatorCrashTheRestartedOperatorHoldsTheGatewaysSocketsAndAKilledGatewayRefusesNothing() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let webPort = OperatorHarness.freePort()
        try harness.write("web.yaml", ZeroDropEndToEndTests.service("web", port: webPort))
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        #expect(harness.eventually(60) { LoopbackGet.get(port: webPort, host: "web")?.status == 200 })
        let gateway = try #require(try harness.processes()[Self.slot])

        harness.crashOperator()
        try harness.start()
        #expect(harness.eventually(30) { Self.operatorLog(harness).contains("holds the listening socket 127.0.0.1:\(webPort) of ") },
                "\(Self.operatorLog(harness).suffix(3000))")
        #expect(try harness.processes()[Self.slot] == gateway, "adopted, not restarted")

        let (connects, requests, _) = try Self.killGatewayUnderLoad(harness, port: webPort, host: "web")
        #expect(connects.refused == 0, "\(connects)")
        #expect(requests.failed <= 1, "\(requests.failures)")
    }
}
