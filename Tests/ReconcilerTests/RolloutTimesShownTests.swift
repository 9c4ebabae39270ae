import Foundation
import Manifests
import Testing

@testable import Reconciler

/// What status shows people about time: a local time of day and a countdown, never epoch seconds.
@Suite("times shown in rollout status")
struct RolloutTimesShownTests {
    /// Wall-clock seconds, as the operator's rollout clock gives them (2026-12-06 04:59:10 UTC).
    static let start = 1_796_533_150.0

    @Test func aTimedPauseShowsItsEndAsATimeOfDay() {
        var driver = RolloutDriver(RolloutFixture.canary([.setWeight(10), .pause(.seconds(90)), .setWeight(60)]))
        driver.now = Self.start
        driver.begin()
        driver.confirm()
        driver.analyse(RolloutFixture.good)
        let summary = RolloutStatusSummary(name: "web", machine: driver.machine)
        let until = driver.now + 90
        #expect(summary.message == "step 2/3 pause 1m30s until \(HumanTime.timeOfDay(until))")
        #expect(!summary.message.contains("t="))
        #expect(!summary.message.contains("1796533"))
        #expect(summary.waitingUntil == until)
        #expect(driver.state.conditions["Paused"].map { !$0.message.contains("t=") } ?? true)
    }

    @Test func blueGreenAutoPromotionAndHoldShowTimesOfDay() {
        var driver = RolloutDriver(RolloutFixture.blueGreen(autoPromotionSeconds: 60))
        driver.now = Self.start
        driver.begin()
        driver.settle()
        let summary = RolloutStatusSummary(name: "web", machine: driver.machine)
        #expect(!summary.message.contains("t="), "\(summary.message)")
        if let until = summary.waitingUntil {
            #expect(summary.message.hasSuffix("auto-promotion at \(HumanTime.timeOfDay(until))"))
        } else {
            Issue.record("no auto-promotion deadline in \(summary.message)")
        }
    }

    @Test func timeOfDayAndDurations() throws {
        let text = HumanTime.timeOfDay(Self.start)
        #expect(try Regex(#"^\d\d:\d\d:\d\d$"#).wholeMatch(in: text) != nil)
        let local = Calendar.current.dateComponents([.hour, .minute, .second], from: Date(timeIntervalSince1970: Self.start))
        #expect(text == String(format: "%02d:%02d:%02d", local.hour!, local.minute!, local.second!))
        #expect(HumanTime.timeOfDay(rfc3339: "2026-12-06T04:59:10Z") == text)
        #expect(HumanTime.timeOfDay(rfc3339: "not a time") == "not a time")
        #expect([0, 2, 59.2, 90, 3600, 7500].map(HumanTime.duration) == ["0s", "2s", "1m", "1m30s", "1h", "2h5m"])
        #expect(HumanTime.deadline(Self.start + 2, now: Self.start) == HumanTime.timeOfDay(Self.start + 2) + " (in 2s)")
        #expect(HumanTime.deadline(Self.start, now: Self.start + 5).hasSuffix("(now)"))
    }
}
