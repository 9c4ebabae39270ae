import Reconciler
import SidecarConfig
import Testing

@testable import OperatorCore

/// A rollout's weights count as confirmed once the proxies that carry its split and answer run them: a stuck proxy
/// (not answering) or one that does not carry the split holds nothing back.
@Suite("split confirmation")
struct SplitConfirmationTests {
    let gateway = SlotID(service: "gateway", role: .gateway)
    let webSidecar = SlotID(service: "web-v1", role: .sidecar)
    let unrelated = SlotID(service: "billing", role: .sidecar)

    private func config(_ version: String, web: (Int, Int)?, other: Int = 0) -> SidecarConfiguration {
        var splits = [TrafficSplitConfig(name: "other", rootService: "other",
                                         backends: [.init(service: "other-a", weight: 100 - other)])]
        if let web {
            splits.append(TrafficSplitConfig(name: "web", rootService: "web", backends: [
                .init(service: "web-v1", weight: web.0), .init(service: "web-v2", weight: web.1),
            ]))
        }
        return SidecarConfiguration(version: version, splits: splits)
    }

    @Test func aStuckProxyOfAnotherServiceDoesNotHoldTheRolloutBack() {
        let desired = [gateway: config("g2", web: (80, 20)), webSidecar: config("w2", web: (80, 20)),
                       unrelated: config("b2", web: (80, 20))]
        let proxies = [
            SplitConfirmation.Proxy(slot: gateway, answering: true, running: desired[gateway]),
            SplitConfirmation.Proxy(slot: webSidecar, answering: true, running: desired[webSidecar]),
            // SIGSTOPped, or its admin endpoint hung: it answers nothing, so it routes nothing we could ask about.
            SplitConfirmation.Proxy(slot: unrelated, answering: false, running: nil),
        ]
        #expect(SplitConfirmation.confirmed(split: "web", desired: desired, proxies: proxies))
    }

    @Test func anAnsweringCarrierOnTheOldWeightsHoldsItBack() {
        let desired = [gateway: config("g2", web: (80, 20)), webSidecar: config("w2", web: (80, 20))]
        let proxies = [
            SplitConfirmation.Proxy(slot: gateway, answering: true, running: desired[gateway]),
            SplitConfirmation.Proxy(slot: webSidecar, answering: true, running: config("w1", web: (100, 0))),
        ]
        #expect(!SplitConfirmation.confirmed(split: "web", desired: desired, proxies: proxies))
        let unknown = [proxies[0], SplitConfirmation.Proxy(slot: webSidecar, answering: true, running: nil)]
        #expect(!SplitConfirmation.confirmed(split: "web", desired: desired, proxies: unknown),
                "a version we cannot read is not a confirmation")
    }

    @Test func anotherSplitChangingElsewhereDoesNotMatter() {
        // The unrelated sidecar is behind on another split only: this split is in force everywhere.
        let desired = [gateway: config("g3", web: (50, 50), other: 10), unrelated: config("b3", web: (50, 50), other: 10)]
        let proxies = [
            SplitConfirmation.Proxy(slot: gateway, answering: true, running: desired[gateway]),
            SplitConfirmation.Proxy(slot: unrelated, answering: true, running: config("b2", web: (50, 50), other: 0)),
        ]
        #expect(SplitConfirmation.confirmed(split: "web", desired: desired, proxies: proxies))
        #expect(!SplitConfirmation.confirmed(split: "other", desired: desired, proxies: proxies))
    }

    @Test func nobodyAnsweringConfirmsNothing() {
        let desired = [gateway: config("g2", web: (80, 20))]
        let proxies = [SplitConfirmation.Proxy(slot: gateway, answering: false, running: nil)]
        #expect(!SplitConfirmation.confirmed(split: "web", desired: desired, proxies: proxies))
        #expect(SplitConfirmation.confirmed(split: "web", desired: [gateway: config("g", web: nil)], proxies: []),
                "a split no proxy carries has nothing to wait for")
    }
}
