import Foundation
import Sidecar
import SidecarConfig
import Testing

@Suite("Proxy honours outlierDetection.interval", .serialized)
struct ProxyOutlierIntervalTests {
    @Test("time back in service shortens the next ejection by one baseEjectionTime per interval")
    func intervalDecaysTheEjectionMultiplier() async throws {
        let failing = Shared(true)
        let a = try await TestBackend { _, _ in failing.value ? TestBackend.ok("down\n", status: 500) : TestBackend.ok("a\n") }
        let b = try await TestBackend { _, _ in TestBackend.ok("b\n") }
        let outlier = OutlierDetection(
            consecutive5xxErrors: 1, consecutiveGatewayErrors: 0, interval: .milliseconds(100), baseEjectionTime: .milliseconds(400),
            maxEjectionTime: .seconds(10), maxEjectionPercent: 50)
        let service = ServiceConfig(
            name: "b", endpoints: [a.address, b.address], loadBalancer: .roundRobin, outlierDetection: outlier)
        let proxy = try await ProxyHarness(ProxyHarness.config(services: [service]))
        /// Sends requests (`pause` ms apart, at most `limit`) until one is answered with `text`; the time it took.
        @Sendable func until(_ text: String, pause: UInt32 = 0, limit: Int = 100) throws -> TimeInterval {
            let start = Date()
            for _ in 0..<limit {
                if try proxy.get().text == text { return Date().timeIntervalSince(start) }
                if pause > 0 { usleep(pause * 1000) }
            }
            Issue.record("never answered \(text)")
            return .infinity
        }
        let back = try await offPool {
            _ = try until("down\n")  // ejected once: 400 ms
            failing.update { $0 = false }
            usleep(450_000)
            _ = try until("a\n", pause: 20)  // the probe passes: back in service
            usleep(600_000)  // six intervals in service: the multiplier is back to 0
            failing.update { $0 = true }
            _ = try until("down\n")  // ejected again, for 1 × 400 ms (2 × without the interval: 800 ms)
            failing.update { $0 = false }
            return try until("a\n", pause: 20)
        }
        #expect(back < 0.65, "second ejection lasted \(back) s")
        await proxy.stop()
        await a.stop()
        await b.stop()
    }
}
