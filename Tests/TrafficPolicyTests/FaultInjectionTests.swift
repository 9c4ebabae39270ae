import Testing
import TrafficPolicy

@Suite("Fault injection draws (Istio percentages), with a seeded generator")
struct FaultInjectionTests {
    static func share(_ fault: FaultInjection, seed: UInt64, _ hit: (FaultInjection.Decision) -> Bool) -> Double {
        var random = SplitMix64(seed: seed)
        let hits = (0..<10_000).filter { _ in hit(fault.decide(random: &random)) }.count
        return Double(hits) / 100
    }

    @Test("an abort at P % hits P % of 10,000 requests, within 2 points", arguments: [0.5, 10, 50, 90])
    func abortShare(percent: Double) {
        let fault = FaultInjection(abort: .init(httpStatus: 503, percentage: percent))
        for seed in [1, 2, 3] as [UInt64] {
            let share = Self.share(fault, seed: seed) { $0.abortStatus == 503 }
            #expect(abs(share - percent) <= 2, "seed \(seed): \(share) %")
        }
    }

    @Test("delay and abort are drawn independently (10 % × 20 %: 2 % both)")
    func independent() {
        let fault = FaultInjection(
            delay: .init(fixedDelay: 7, percentage: 10), abort: .init(httpStatus: 500, percentage: 20))
        #expect(abs(Self.share(fault, seed: 9) { $0.delay == 7 } - 10) <= 2)
        #expect(abs(Self.share(fault, seed: 9) { $0.abortStatus == 500 } - 20) <= 2)
        #expect(abs(Self.share(fault, seed: 9) { $0.delay == 7 && $0.abortStatus == 500 } - 2) <= 1)
    }

    @Test("0 % never, 100 % always")
    func bounds() {
        let never = FaultInjection(delay: .init(fixedDelay: 1, percentage: 0), abort: .init(httpStatus: 503, percentage: 0))
        let always = FaultInjection(abort: .init(httpStatus: 418, percentage: 100))
        #expect(Self.share(never, seed: 4) { $0 != .none } == 0)
        #expect(Self.share(always, seed: 4) { $0.abortStatus == 418 } == 100)
    }
}

@Suite("Percentage draws (mirror percent), with a seeded generator")
struct PercentageTests {
    @Test("P % of 10,000 draws come out true, within 2 points", arguments: [1.0, 25, 75])
    func share(percent: Double) {
        var random = SplitMix64(seed: 11)
        let hits = (0..<10_000).filter { _ in Percentage.drawn(percent, random: &random) }.count
        #expect(abs(Double(hits) / 100 - percent) <= 2)
    }
}
