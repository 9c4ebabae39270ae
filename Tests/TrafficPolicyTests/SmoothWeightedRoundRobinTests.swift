import Testing
import TrafficPolicy

@Suite struct SmoothWeightedRoundRobinTests {
    /// Counts picks per backend over `count` picks.
    private func shares(_ picker: inout SmoothWeightedRoundRobin, picks count: Int) -> [Int] {
        var chosen = Array(repeating: 0, count: picker.weights.count)
        for _ in 0..<count {
            if let backend = picker.pick() { chosen[backend] += 1 }
        }
        return chosen
    }

    @Test(arguments: [[90, 10], [1, 1, 1], [0, 100], [5, 95], [33, 33, 34], [1, 2, 3, 4], [100, 0, 0]])
    func eachBackendGetsItsWeightWithinTwoPoints(weights: [Int]) {
        var picker = SmoothWeightedRoundRobin(weights: weights)
        let chosen = shares(&picker, picks: 10_000)
        let total = Double(weights.reduce(0, +))
        for (index, weight) in weights.enumerated() {
            let share = Double(chosen[index]) / 100  // percent of 10,000
            let expected = Double(weight) / total * 100
            #expect(abs(share - expected) <= 2, "backend \(index): \(share)% for weight \(weight) of \(weights)")
            if weight == 0 { #expect(chosen[index] == 0) }
        }
    }

    @Test func excludedBackendsShareGoesToTheOthersByTheirWeights() {
        var picker = SmoothWeightedRoundRobin(weights: [60, 30, 10])
        var chosen = [0, 0, 0]
        for _ in 0..<9_000 {
            if let backend = picker.pick(excluding: EndpointSet(2)) { chosen[backend] += 1 }
        }
        #expect(chosen == [6_000, 3_000, 0])
        #expect(picker.pick(excluding: EndpointSet([0, 1, 2])) == nil)
        // Nothing excluded: back to all three by weight.
        #expect(shares(&picker, picks: 1_000).reduce(0, +) == 1_000)
    }

    @Test func picksAreInterleavedNotBunched() {
        var picker = SmoothWeightedRoundRobin(weights: [90, 10])
        let sequence = (0..<100).compactMap { _ in picker.pick() }
        // The 10% backend comes once in every window of ten picks.
        for start in stride(from: 0, to: 100, by: 10) {
            #expect(sequence[start..<start + 10].filter { $0 == 1 }.count == 1)
        }
        var even = SmoothWeightedRoundRobin(weights: [1, 1, 1])
        #expect((0..<6).compactMap { _ in even.pick() } == [0, 1, 2, 0, 1, 2])
    }

    @Test func reconfiguringWeightsTakesEffectAtOnce() {
        var picker = SmoothWeightedRoundRobin(weights: [100, 0])
        #expect(shares(&picker, picks: 1_000) == [1_000, 0])
        picker.setWeights([80, 20])
        #expect(shares(&picker, picks: 1_000) == [800, 200])
        picker.setWeights([0, 50, 50])
        #expect(shares(&picker, picks: 1_000) == [0, 500, 500])
    }

    @Test func noPositiveWeightMeansNoBackend() {
        var picker = SmoothWeightedRoundRobin(weights: [0, 0, -5])
        #expect(picker.pick() == nil)
        var empty = SmoothWeightedRoundRobin(weights: [])
        #expect(empty.pick() == nil)
    }
}
