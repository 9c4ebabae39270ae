import Testing
import TrafficPolicy

@Suite struct EndpointSetTests {
    @Test func membershipWorksOnBothSidesOfTheInlineWord() {
        var set: EndpointSet = [0, 63]
        set.insert(64)
        set.insert(200)
        #expect(set.contains(0) && set.contains(63) && set.contains(64) && set.contains(200))
        #expect(!set.contains(1) && !set.contains(65) && !set.contains(-1) && !set.contains(10_000))
        set.remove(64)
        set.remove(0)
        #expect(!set.contains(64) && !set.contains(0))
        #expect(set.count(below: 201) == 2)
        #expect(set.count(below: 64) == 1)
        #expect(!set.isEmpty)
        set.remove(63)
        set.remove(200)
        #expect(set.isEmpty)
    }

    @Test func equalityIsAboutMembersNotStorage() {
        var grown: EndpointSet = [3]
        grown.insert(300)
        grown.remove(300)
        #expect(grown == [3])
        #expect(grown.hashValue == EndpointSet([3]).hashValue)
        #expect(grown != [3, 4])
        #expect(EndpointSet([3, 200]) != [3])
    }

    @Test func unionHoldsMembersOfBoth() {
        let set = EndpointSet([1, 70]).union([2, 130])
        #expect(set.description == "[1, 2, 70, 130]")
        #expect(EndpointSet([5]).inserting(6) == [5, 6])
    }

    @Test func rankSelectAgreesWithANaiveScan() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<200 {
            let count = Int.random(in: 0...150, using: &rng)
            var set = EndpointSet()
            for index in 0..<count where Bool.random(using: &rng) { set.insert(index) }
            let absent = (0..<count).filter { !set.contains($0) }
            #expect(set.count(below: count) == count - absent.count)
            for (rank, index) in absent.enumerated() {
                #expect(set.indexOfAbsent(rank: rank, below: count) == index)
            }
            #expect(set.indexOfAbsent(rank: absent.count, below: count) == nil)
        }
    }
}
