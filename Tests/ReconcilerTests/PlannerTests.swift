import Testing

@testable import Reconciler

@Suite("planner")
struct PlannerTests {
    private func workload(_ replica: Int, revision: String = "r1", service: String = "web") -> DesiredProcess {
        DesiredProcess(slot: SlotID(service: service, role: .workload, replica: replica), argv: ["app"], revision: revision)
    }

    private func running(_ replica: Int, revision: String = "r1", state: ObservedProcess.State = .ready,
                         instance: String? = nil, service: String = "web", configVersion: String? = nil) -> ObservedProcess {
        ObservedProcess(slot: SlotID(service: service, role: .workload, replica: replica),
                        instance: instance ?? "\(service)-\(replica)-\(revision)", revision: revision, state: state,
                        configVersion: configVersion)
    }

    @Test func anEmptyWorldStartsEverything() {
        let desired = [workload(0), workload(1)]
        #expect(Planner.plan(desired: desired, observed: [], now: 0) == [.start(desired[0]), .start(desired[1])])
    }

    @Test func aConvergedWorldNeedsNothing() {
        #expect(Planner.plan(desired: [workload(0), workload(1)], observed: [running(0), running(1)], now: 0).isEmpty)
    }

    @Test func aStartingProcessIsLeftToBecomeReady() {
        #expect(Planner.plan(desired: [workload(0)], observed: [running(0, state: .starting)], now: 0).isEmpty)
    }

    @Test func slotsNoLongerDesiredAreStoppedOrForgotten() {
        let observed = [running(0), running(1), running(2, state: .exited(status: 1)), running(3, state: .draining)]
        #expect(Planner.plan(desired: [workload(0)], observed: observed, now: 0) == [
            .stop(slot: observed[1].slot, instance: observed[1].instance, reason: .removed),
            .forget(slot: observed[2].slot, instance: observed[2].instance),
        ])
    }

    @Test func aCrashedProcessWaitsOutItsBackoffThenRestarts() {
        var crashed = running(0, state: .exited(status: 3))
        crashed.restartNotBefore = 10
        #expect(Planner.plan(desired: [workload(0)], observed: [crashed], now: 4) == [
            .requeue(slot: crashed.slot, after: 6, reason: .crashLoopBackOff)
        ])
        #expect(Planner.plan(desired: [workload(0)], observed: [crashed], now: 10) == [
            .forget(slot: crashed.slot, instance: crashed.instance), .start(workload(0)),
        ])
    }

    @Test func aNewRevisionRollsOneReplicaAtATimeNewBeforeOld() {
        let desired = (0..<3).map { workload($0, revision: "r2") }
        // Pass 1: only replica 0 gets a new instance; the others wait their turn.
        let pass1 = Planner.plan(desired: desired, observed: (0..<3).map { running($0) }, now: 0)
        #expect(pass1 == [
            .start(desired[0]),
            .requeue(slot: desired[1].slot, after: 1, reason: .rollingOneAtATime),
            .requeue(slot: desired[2].slot, after: 1, reason: .rollingOneAtATime),
        ])
        // Pass 2: the new replica 0 is starting: the old one keeps serving, nobody else starts.
        let starting = [running(0), running(0, revision: "r2", state: .starting), running(1), running(2)]
        #expect(Planner.plan(desired: desired, observed: starting, now: 1) == [
            .requeue(slot: desired[1].slot, after: 1, reason: .rollingOneAtATime),
            .requeue(slot: desired[2].slot, after: 1, reason: .rollingOneAtATime),
        ])
        // Pass 3: new replica 0 is ready: its old instance drains, and replica 1's replacement starts.
        let ready = [running(0), running(0, revision: "r2"), running(1), running(2)]
        #expect(Planner.plan(desired: desired, observed: ready, now: 2) == [
            .stop(slot: desired[0].slot, instance: "web-0-r1", reason: .replaced),
            .start(desired[1]),
            .requeue(slot: desired[2].slot, after: 1, reason: .rollingOneAtATime),
        ])
    }

    @Test func groupsRollIndependently() {
        let desired = [workload(0, revision: "r2"), workload(0, revision: "r2", service: "api")]
        let observed = [running(0), running(0, service: "api")]
        #expect(Planner.plan(desired: desired, observed: observed, now: 0) == [.start(desired[1]), .start(desired[0])])
    }

    @Test func aReadySidecarWithAnotherConfigVersionIsReconfigured() {
        var desired = workload(0)
        desired.configVersion = "v9"
        let stale = running(0, configVersion: "v8")
        #expect(Planner.plan(desired: [desired], observed: [stale], now: 0) == [
            .configure(slot: stale.slot, instance: stale.instance, version: "v9")
        ])
        #expect(Planner.plan(desired: [desired], observed: [running(0, state: .starting)], now: 0).isEmpty)
        #expect(Planner.plan(desired: [desired], observed: [running(0, configVersion: "v9")], now: 0).isEmpty)
    }

    @Test func duplicateInstancesOfOneRevisionAreTrimmedKeepingTheReadyOne() {
        let observed = [running(0, state: .starting, instance: "a"), running(0, instance: "b")]
        #expect(Planner.plan(desired: [workload(0)], observed: observed, now: 0) == [
            .stop(slot: observed[0].slot, instance: "a", reason: .replaced)
        ])
    }

    @Test func theOrderOfInputsDoesNotChangeThePlan() {
        let desired = (0..<4).map { workload($0, revision: "r2") } + [workload(0, service: "api")]
        let observed = (0..<4).map { running($0) } + [running(0, state: .exited(status: 1), service: "api")]
        var generator = SystemRandomNumberGenerator()
        let expected = Planner.plan(desired: desired, observed: observed, now: 0)
        for _ in 0..<20 {
            let shuffled = Planner.plan(desired: desired.shuffled(using: &generator),
                                        observed: observed.shuffled(using: &generator), now: 0)
            #expect(shuffled == expected)
        }
    }

    @Test func aNewGatewayStartsBesideTheOldOneWhichDrainsOnlyOnceTheNewOneIsReady() {
        let slot = SlotID(service: "gateway", role: .gateway)
        let desired = DesiredProcess(slot: slot, argv: ["mesh-proxy"], revision: "g2", configVersion: "cfg-1")
        func gateway(_ revision: String, _ state: ObservedProcess.State) -> ObservedProcess {
            ObservedProcess(slot: slot, instance: "gw-\(revision)", revision: revision, state: state,
                            configVersion: "cfg-1")
        }
        // The old one keeps serving while the new one starts: no stop first.
        #expect(Planner.plan(desired: [desired], observed: [gateway("g1", .ready)], now: 0) == [.start(desired)])
        #expect(Planner.plan(desired: [desired], observed: [gateway("g1", .ready), gateway("g2", .starting)],
                             now: 1).isEmpty)
        #expect(Planner.plan(desired: [desired], observed: [gateway("g1", .ready), gateway("g2", .ready)], now: 2) == [
            .stop(slot: slot, instance: "gw-g1", reason: .replaced)
        ])
    }

    @Test func aDataPlaneUpgradeReplacesOneSidecarPerServiceAtATimeAndTheGatewayBesideThem() {
        func sidecar(_ service: String, _ replica: Int) -> SlotID { SlotID(service: service, role: .sidecar, replica: replica) }
        let gatewaySlot = SlotID(service: "gateway", role: .gateway)
        let slots = [sidecar("web", 0), sidecar("web", 1), sidecar("api", 0), gatewaySlot]
        let desired = slots.map { DesiredProcess(slot: $0, argv: ["mesh-proxy"], revision: "new.1", configVersion: "c") }
        func proxy(_ slot: SlotID, _ revision: String, _ state: ObservedProcess.State) -> ObservedProcess {
            ObservedProcess(slot: slot, instance: "\(slot)-\(revision)", revision: revision, state: state, configVersion: "c")
        }
        let old = slots.map { proxy($0, "old.1", .ready) }
        // One sidecar of each service and the gateway start together; web's second sidecar waits its turn.
        #expect(Planner.plan(desired: desired, observed: old, now: 0) == [
            .start(desired[2]), .start(desired[3]), .start(desired[0]),
            .requeue(slot: sidecar("web", 1), after: 1, reason: .rollingOneAtATime),
        ])
        // web's new sidecar 0 is ready: its old one drains and sidecar 1's replacement starts; the old sidecar 0
        // draining beside it holds nothing back.
        let observed = old + [proxy(sidecar("web", 0), "new.1", .ready), proxy(sidecar("api", 0), "new.1", .starting),
                              proxy(gatewaySlot, "new.1", .starting)]
        #expect(Planner.plan(desired: desired, observed: observed, now: 1) == [
            .stop(slot: sidecar("web", 0), instance: "web/sidecar/0-old.1", reason: .replaced),
            .start(desired[1]),
        ])
    }

    @Test func anOldInstanceHoldingItsPortsExclusivelyIsStoppedBeforeItsReplacementStarts() {
        let slot = SlotID(service: "gateway", role: .gateway)
        let desired = DesiredProcess(slot: slot, argv: ["mesh-proxy"], revision: "dp.2")
        var legacy = ObservedProcess(slot: slot, instance: "gw-old", revision: "1", state: .ready)
        legacy.holdsPortsExclusively = true
        #expect(Planner.plan(desired: [desired], observed: [legacy], now: 0) == [
            .stop(slot: slot, instance: "gw-old", reason: .replaced)
        ])
        legacy.state = .draining
        #expect(Planner.plan(desired: [desired], observed: [legacy], now: 1).isEmpty)
        legacy.state = .exited(status: 0)
        #expect(Planner.plan(desired: [desired], observed: [legacy], now: 2) == [
            .forget(slot: slot, instance: "gw-old"), .start(desired),
        ])
    }
}
