import Testing

@testable import OperatorCore

/// A removed replica is stopped (its workload gets SIGTERM) only once every proxy that may route to it confirmed the
/// configuration without it: the wait alone, apart from the push that usually makes it short. Checked by breaking
/// it: with `heldBack` ignored in `isDue`, `aProxyStillOnTheOldEndpointsHoldsTheStopBack` fails.
@Suite("drain gate")
struct DrainGateTests {
    let delay = 1.0
    let max = 15.0

    private func due(_ waited: Double, _ proxies: [DrainGate.Proxy], service: String = "web") -> Bool {
        DrainGate.isDue(waited: waited, heldBack: DrainGate.heldBack(service: service, by: proxies),
                        drainDelay: delay, maxDrain: max)
    }

    @Test func aProxyStillOnTheOldEndpointsHoldsTheStopBack() {
        let behind = DrainGate.Proxy(ready: true, current: false, services: ["web", "db"])
        let confirmed = DrainGate.Proxy(ready: true, current: true, services: ["web"])
        #expect(!due(0.5, [confirmed]), "the drain delay comes first")
        #expect(due(1.0, [confirmed]))
        #expect(!due(1.0, [confirmed, behind]))
        #expect(!due(14.9, [confirmed, behind]), "waits for the confirmation well past the drain delay")
        #expect(due(15.0, [confirmed, behind]), "but not forever")
        // A proxy whose running configuration is unknown (the operator restarted) may route anywhere.
        #expect(!due(2, [DrainGate.Proxy(ready: true, current: false, services: nil)]))
    }

    @Test func onlyProxiesThatMayRouteToTheServiceCount() {
        // Behind on its configuration, but it carries neither `web` now nor in what it runs (spec.upstreams).
        let elsewhere = DrainGate.Proxy(ready: true, current: false, services: ["db"])
        #expect(due(1.0, [elsewhere]))
        // Not answering: it routes nothing it could be asked about, and gets the current configuration when it does.
        let hung = DrainGate.Proxy(ready: false, current: false, services: ["web"])
        #expect(due(1.0, [hung]))
    }
}
