import Testing

@testable import TrafficPolicy

/// Session affinity's decisions (Flagger's `sessionAffinity` during a canary): a pinned client keeps its backend
/// whatever the weights pick, an unpinned one is pinned to what the weights picked, and cookies that are not ours
/// (another name, an earlier rollout's value) pin nothing.
@Suite("session affinity")
struct SessionAffinityTests {
    // Backend 0 is stable, 1 the canary; a third backend without a value is never pinned.
    let affinity = SessionAffinity(cookieName: "canary", maxAge: 600, values: ["stable-r2", "canary-r2", nil])

    @Test func aClientWithoutCookieGetsTheWeightsChoiceAndIsPinnedToIt() {
        let decision = affinity.decide(cookieHeader: nil, canServe: { _ in true }, pick: { 1 })
        #expect(decision == .init(backend: 1, setCookie: "canary=canary-r2; Max-Age=600; Path=/; HttpOnly"))
        let stable = affinity.decide(cookieHeader: "other=1", canServe: { _ in true }, pick: { 0 })
        #expect(stable?.setCookie == "canary=stable-r2; Max-Age=600; Path=/; HttpOnly")
    }

    @Test func aPinnedClientKeepsItsBackendWhateverTheWeightsPick() {
        for (cookie, pinned) in [("canary=canary-r2", 1), ("a=b; canary=stable-r2; c=d", 0), ("canary=\"canary-r2\" ", 1)] {
            var picked = false
            let decision = affinity.decide(cookieHeader: cookie, canServe: { _ in true }, pick: {
                picked = true
                return 1 - pinned
            })
            #expect(decision == .init(backend: pinned, setCookie: nil), "\(cookie)")
            #expect(!picked, "the weights are not consulted (their rotation is kept for unpinned clients)")
        }
    }

    @Test func cookiesThatAreNotOursPinNothing() {
        for cookie in ["canary=canary-r1", "xcanary=canary-r2", "canaryx=canary-r2", "canary", "", "other=canary-r2"] {
            #expect(affinity.pinnedBackend(cookieHeader: cookie) == nil, "\(cookie)")
        }
        #expect(affinity.setCookie(for: 2) == nil, "a backend without a value is never pinned")
        #expect(affinity.decide(cookieHeader: nil, canServe: { _ in true }, pick: { 2 }) == .init(backend: 2, setCookie: nil))
    }

    @Test func aPinnedBackendThatCannotServeIsReplacedAndTheClientRepinned() {
        let decision = affinity.decide(cookieHeader: "canary=canary-r2", canServe: { $0 != 1 }, pick: { 0 })
        #expect(decision == .init(backend: 0, setCookie: "canary=stable-r2; Max-Age=600; Path=/; HttpOnly"))
        #expect(affinity.decide(cookieHeader: nil, canServe: { _ in true }, pick: { nil }) == nil)
    }
}
