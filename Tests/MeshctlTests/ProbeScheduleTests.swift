import Testing

@testable import OperatorCore

/// Which processes a full pass asks again: never-heard-from ones every pass, ones that answered only after the
/// recheck interval (spread between its bounds), ones that stopped answering at once.
@Suite("probe schedule")
struct ProbeScheduleTests {
    @Test func aProcessNeverHeardFromIsAskedEveryPass() {
        let schedule = ProbeSchedule()
        #expect(schedule.isDue("sidecar/web/0@a#1", now: 0))
        #expect(schedule.isDue("sidecar/web/0@a#1", now: 100))
    }

    @Test func oneThatAnsweredWaitsOutTheRecheckIntervalDrawnBetweenItsBounds() {
        var schedule = ProbeSchedule(recheck: 5...10)
        for index in 0..<50 { schedule.answered("p\(index)", now: 100) }
        let ids = (0..<50).map { "p\($0)" }
        #expect(ids.allSatisfy { !schedule.isDue($0, now: 104.9) })
        #expect(ids.allSatisfy { schedule.isDue($0, now: 110) })
        // Spread: at 107.5 some are due and some not (50 draws all on one side: a chance of 2 in 10^15).
        let dueMidway = ids.filter { schedule.isDue($0, now: 107.5) }.count
        #expect(dueMidway > 0 && dueMidway < 50, "\(dueMidway) of 50 due midway")
    }

    @Test func oneThatStoppedAnsweringIsAskedOnTheNextPass() {
        var schedule = ProbeSchedule()
        schedule.answered("p", now: 0)
        #expect(!schedule.isDue("p", now: 1))
        schedule.lost("p")
        #expect(schedule.isDue("p", now: 1))
    }

    @Test func forgottenInstancesStartAfresh() {
        var schedule = ProbeSchedule()
        schedule.answered("gone", now: 0)
        schedule.answered("kept", now: 0)
        schedule.retain(["kept"])
        #expect(schedule.isDue("gone", now: 1))
        #expect(!schedule.isDue("kept", now: 1))
    }
}
