import Manifests
import Testing

@testable import OperatorCore

/// `ReplicaReadiness` on a fake clock: Kubernetes' readiness rules, with no process and no sleep.
@Suite("replica readiness")
struct ReplicaReadinessTests {
    private let probe = Service.ReadinessProbe(action: .httpGet(path: "/ready", port: nil), initialDelaySeconds: 2,
                                               periodSeconds: 1, successThreshold: 2, failureThreshold: 3)

    @Test func notReadyUntilTheInitialDelayAndSuccessThresholdThenOutAfterFailureThreshold() {
        var readiness = ReplicaReadiness()
        let dueAt0 = readiness.isDue("r", probe: probe, now: 0)
        #expect(!dueAt0, "first seen at 0: nothing before the initial delay")
        #expect(readiness.notReadyReason("r") == "readinessProbe: not probed yet")
        #expect(readiness.nextDue(after: 0) == 2)
        let dueAt2 = readiness.isDue("r", probe: probe, now: 2)
        let afterOnePass = readiness.record("r", passed: true, now: 2)
        #expect(dueAt2 && !afterOnePass, "one pass of two")
        let dueEarly = readiness.isDue("r", probe: probe, now: 2.5)
        #expect(!dueEarly && readiness.nextDue(after: 2.5) == 3)
        let dueAt3 = readiness.isDue("r", probe: probe, now: 3)
        let afterTwoPasses = readiness.record("r", passed: true, now: 3)
        #expect(dueAt3 && afterTwoPasses)
        // Three failures in a row take it out; one or two do not.
        var states: [Bool] = []
        for time in [4.0, 5, 6] { states.append(readiness.record("r", passed: false, failure: "GET /ready: 503", now: time)) }
        #expect(states == [true, true, false])
        #expect(readiness.notReadyReason("r") == "readinessProbe: GET /ready: 503")
        // Back only after two passes in a row.
        states = []
        for (time, passed) in [(7.0, true), (8, false), (9, true), (10, true)] {
            states.append(readiness.record("r", passed: passed, now: time))
        }
        #expect(states == [false, false, false, true])
        #expect(readiness.notReadyReason("r") == nil)
    }

    @Test func aChangedProbeStartsAfreshAndGoneInstancesAreForgotten() {
        var readiness = ReplicaReadiness()
        _ = readiness.isDue("r", probe: probe, now: 0)
        readiness.record("r", passed: true, now: 2)
        readiness.record("r", passed: true, now: 3)
        #expect(readiness.isReady("r"))
        var changed = probe
        changed.action = .exec(["true"])
        let dueAfterChange = readiness.isDue("r", probe: changed, now: 4)
        #expect(!dueAfterChange, "a new initial delay from now")
        #expect(!readiness.isReady("r"))
        readiness.retain([])
        #expect(readiness.entries.isEmpty && readiness.nextDue(after: 0) == nil)
    }

    @Test func anExecProbeRunsAProgramToItsExitAndKillsItPastItsTimeout() async {
        let environment = ["PATH": "/usr/bin:/bin"]
        let passed = await ReadinessCheck.run(["true"], environment: environment, workingDirectory: "/", timeout: .seconds(5))
        let failed = await ReadinessCheck.run(["test", "-f", "/nonexistent-\(UInt32.random(in: 0...UInt32.max))"],
                                              environment: environment, workingDirectory: nil, timeout: .seconds(5))
        let started = ContinuousClock.now
        let slow = await ReadinessCheck.run(["sleep", "30"], environment: environment, workingDirectory: nil,
                                            timeout: .milliseconds(300))
        #expect(passed == nil)
        #expect(failed == "exec test: exit status 1")
        #expect(slow == "exec sleep: timed out after 0.3 seconds")
        #expect(started.duration(to: .now) < .seconds(5))
    }
}
