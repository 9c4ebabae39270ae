import ProcessRuntime
import Testing

@Suite("RestartBackoff: capped exponential, reset after a healthy run")
struct RestartBackoffTests {
    let t0 = ContinuousClock.now

    @Test func delaysDoubleUpToTheCap() {
        var backoff = RestartBackoff()
        var delays: [Duration] = []
        var now = t0
        for _ in 0..<9 {
            backoff.recordStart(at: now)
            now = now.advanced(by: .seconds(1))  // dies after a second each time
            delays.append(backoff.recordExit(at: now))
        }
        #expect(delays == [0, 1, 2, 4, 8, 16, 32, 60, 60].map { Duration.seconds($0) })
        #expect(backoff.consecutiveFailures == 9)
        #expect(backoff.restarts == 9)
        #expect(backoff.isCrashLooping)
    }

    @Test func aHealthyRunResetsTheDelay() {
        var backoff = RestartBackoff(initialDelay: .seconds(1), maximumDelay: .seconds(60), resetAfter: .seconds(30))
        backoff.recordStart(at: t0)
        #expect(backoff.recordExit(at: t0.advanced(by: .seconds(1))) == .zero, "the first exit restarts at once")
        #expect(!backoff.isCrashLooping, "one exit is not a loop")
        backoff.recordStart(at: t0.advanced(by: .seconds(2)))
        #expect(backoff.recordExit(at: t0.advanced(by: .seconds(3))) == .seconds(1))
        #expect(backoff.isCrashLooping)

        backoff.recordStart(at: t0.advanced(by: .seconds(5)))
        // Ran 30 s: healthy, so this exit starts over.
        #expect(backoff.recordExit(at: t0.advanced(by: .seconds(35))) == .zero)
        #expect(backoff.consecutiveFailures == 1)
        #expect(backoff.restarts == 3)
    }

    @Test func exitWithoutRecordedStartStillBacksOff() {
        var backoff = RestartBackoff(initialDelay: .milliseconds(500), maximumDelay: .seconds(2))
        let delays = (0..<5).map { _ in backoff.recordExit(at: t0) }
        #expect(delays == [.zero, .milliseconds(500), .seconds(1), .seconds(2), .seconds(2)])
    }
}
