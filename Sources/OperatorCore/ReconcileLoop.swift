import Foundation
import Logging
import Manifests
import MeshDNS
import MeshStore
import OperatorAPI
import ProcessRuntime
import Reconciler
import SidecarConfig

/// The level-triggered loop: each pass loads what was applied, observes every recorded process, compiles the
/// desired world, plans, and executes — then sleeps until something changes or a requeue is due. It keeps no
/// intent between passes beyond crash backoff and drain timers; a restarted operator converges from the records.
actor ReconcileLoop {
    let store: SQLiteStore
    let runtime: any ProcessRuntime
    let directory: StateDirectory
    let meshctlPath: String
    let gatewayPort: Int
    let logger: Logger
    let prober: Prober

    var portBook: PortBook
    var backoffs: [SlotID: RestartBackoff] = [:]
    var notBefore: [SlotID: Double] = [:]
    var lastExit: [SlotID: String] = [:]
    var drainingSince: [String: Double] = [:]
    /// Health check thresholds and intervals of the workloads (ReplicaHealth).
    var replicaHealth = ReplicaHealth()
    /// Each replica's `readinessProbe` state, and what runs the probes (Readiness/).
    var readiness = ReplicaReadiness()
    let readinessChecker: any ReadinessChecking
    /// Output logs' size bound, when they were last looked at, and the state directory's size then
    /// (ReconcileLoop+Logs.swift).
    let logRotation = LogRotation()
    var lastLogHousekeeping = -Double.infinity
    var stateUsage: StateDirectoryUsage?
    var lastWorld = DesiredWorld()
    var lastInstances: [ObservedInstance] = []
    /// The last pass's decoded objects, reused while the stored specs are unchanged.
    var lastSnapshot: MeshSnapshot?
    /// Snapshots loaded so far, and the one the latest compile of objects came from (`MeshSnapshot.load`).
    var snapshotLoads = 0
    var compiledLoad = -1
    var passes = 0
    /// Rollout records as last saved, and what the last compile applied for each rollout.
    var rollouts: [String: RolloutRecord] = [:]
    var appliedWeights: [String: RolloutWeights] = [:]
    var appliedStableTarget: [String: String] = [:]
    /// The new side's revision each rollout's last compile ran (its canary Service's workload then). `lastWorld` is
    /// the previous pass's: right after an apply it still wants the old revision, which the old replica runs, ready.
    var appliedNewRevision: [String: String] = [:]
    /// Versions proxies confirmed in their answer to this pass's `PUT /config`, by instance.
    var confirmedVersions: [String: String] = [:]
    /// The configuration each proxy instance last accepted from us, kept across passes so the next change can be
    /// sent as a patch of the tables when the proxy still reports that version.
    var pushedConfigs: [String: SidecarConfiguration] = [:]
    /// Each object's status as last written or read back, decoded (`writeStatuses`).
    var lastStatuses: [MeshStore.ObjectKey: WrittenStatus] = [:]
    /// The JSON behind configuration versions, reused across compiles while its parts are unchanged.
    let encodingMemo = EncodingMemo()
    /// The last compile's plans and tables, reused when only routing changed (a weight change).
    let planMemo = PlanMemo()
    /// Set by `meshctl down`: the desired world becomes empty, and the loop ends once nothing runs.
    var stopping = false
    /// The operator's own counters for `/metrics` (Dashboard/OperatorMetrics.swift).
    var metrics = OperatorMetrics()
    /// The DNS interface's server, given each pass's zone; nil without one.
    var dnsServer: DNSServer?
    var dnsTTL: UInt32 = 1
    /// Instances registered from outside, kept while they heartbeat (Registry/).
    var registrations = RegistrationTable()
    /// Rings at the earliest registration's TTL deadline (Registry/RegistrationExpiryAlarm.swift).
    var expiryAlarm = RegistrationExpiryAlarm()
    /// Each autoscaled Service's autoscaler and last decision (Autoscale/).
    var autoscaling = ServiceAutoscaling()
    /// The sidecars' outbound listening sockets, held across their restarts (Sockets/).
    let outboundSockets: ListenerKeeper
    /// The gateway's listening sockets, held across its restarts (ReconcileLoop+GatewaySockets.swift).
    let gatewaySockets: ListenerKeeper

    private let clock = ContinuousClock()
    private let epoch: ContinuousClock.Instant
    /// A kick that came while a pass ran: the next sleep returns at once.
    var pendingKick = false
    /// Why the next pass runs. Only applied objects changed (an apply): it may plan from the last observation
    /// instead of probing every process again, so a config push does not wait ~50 ms of probes. Any other kick (a
    /// process exit, a command) or a timer tick observes for real.
    var objectsChanged = false
    /// Stored objects changed since the last snapshot was read (an apply, a delete): the next pass reads them again.
    /// A quick pass for a registry change alone reuses the last snapshot (`kick(observe:storeChanged:)`).
    var storedObjectsChanged = false
    /// When the oldest change not yet pushed was stored (apply, delete): the start of its propagation.
    var changeStoredAt: ContinuousClock.Instant?
    var observationWanted = false
    /// When the next full pass is due (loop time): the wait the last full pass asked for, from its end.
    var fullPassDue = 0.0
    /// The process's CPU milliseconds when the last pass ended (trace log: what was spent between passes).
    var cpuAtLastPassEnd = 0.0
    /// Waiters for a change to carry at once, woken at each kick: a full pass's probes (ReconcileLoop+Overtake.swift),
    /// and a pass running past them for a registry change (ReconcileLoop+RegistryCarry.swift).
    var changeWaiters: [CheckedContinuation<Void, Never>] = []
    /// A registry change alone (registration, deregistration, expiry) that no pass has taken in yet.
    var registryChangeWaiting = false
    /// The latest compile: what a registry change carried past a running pass compiles again.
    var lastCompile: CompiledWorld?
    /// Pushes go one at a time (ReconcileLoop+RegistryCarry.swift).
    var pushGate = PushGate()
    /// Versions proxies confirmed to pushes made while a full pass's probes were out (newer than those probes).
    var confirmedWhileLooking: [String: String]?
    /// When each proxy's admin endpoint is asked again.
    var probeSchedule = ProbeSchedule()
    private var sleeper: CheckedContinuation<Void, Never>?
    private var sleepGeneration = 0

    /// After a process starts draining, traffic has this long to move off it once every proxy has the new config.
    let drainDelay = 1.0
    /// A draining process is stopped after this long even if some proxy never confirmed.
    let maxDrain = 15.0

    init(store: SQLiteStore, runtime: any ProcessRuntime, directory: StateDirectory, meshctlPath: String,
         gatewayPort: Int, logger: Logger) {
        self.store = store
        self.runtime = runtime
        self.directory = directory
        self.meshctlPath = meshctlPath
        self.gatewayPort = gatewayPort
        self.logger = logger
        // The proxies this operator starts are given the same file (`ProxyLaunch`); without it (an unwritable state
        // directory) every push would be refused, which the proxies' status then shows.
        self.prober = Prober(adminToken: try? directory.adminToken())
        self.readinessChecker = ReadinessCheck(prober: prober)
        self.portBook = Self.loadPortBook(directory)
        self.outboundSockets = ListenerKeeper(logger: logger)
        self.gatewaySockets = ListenerKeeper(logger: logger)
        self.epoch = clock.now
    }

    var now: Double {
        let elapsed = epoch.duration(to: clock.now).components
        return Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
    }

    /// Whether the loop waits between passes (no pass is running).
    var isSleeping: Bool { sleeper != nil }

    /// The loop's clock in milliseconds with a tenth, for trace logs (whose timestamps have whole seconds).
    var traceTime: String { Self.traceMilliseconds(now) }

    static func traceMilliseconds(_ seconds: Double) -> String { String(format: "%.1f", seconds * 1000) }

    /// Asks for a pass as soon as possible (an apply, a process exit, a command). `observe: false` says only the
    /// applied objects changed: that pass plans from the last observation (the next full pass comes at its usual time).
    /// `storeChanged: false` says the change is the registry's alone (a registration, an expiry): the stored objects
    /// are as the last pass read them, so its quick pass plans from that snapshot without reading SQLite again.
    func kick(observe: Bool = true, storeChanged: Bool = true) {
        if observe { observationWanted = true } else {
            objectsChanged = true
            if storeChanged { storedObjectsChanged = true } else { registryChangeWaiting = true }
            changeStoredAt = changeStoredAt ?? .now
            releaseChangeWaiters()
        }
        guard let sleeper else {
            pendingKick = true
            return
        }
        self.sleeper = nil
        sleeper.resume()
    }

    /// Runs passes until cancelled, or until `stopping` and nothing is left running.
    func run() async {
        while !Task.isCancelled {
            let wait = await passCarryingRegistryChanges()
            if stopping && lastInstances.isEmpty { return }
            await sleep(seconds: wait)
        }
    }

    /// Returns after `seconds`, or at the first kick, or at cancellation.
    private func sleep(seconds: Double) async {
        if pendingKick {
            pendingKick = false
            return
        }
        sleepGeneration += 1
        let generation = sleepGeneration
        await withTaskCancellationHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                    await self.wake(generation: generation)
                }
                await withCheckedContinuation { continuation in
                    if Task.isCancelled { continuation.resume() } else { sleeper = continuation }
                }
                group.cancelAll()
            }
        } onCancel: {
            Task { await self.wake(generation: generation) }
        }
    }

    private func wake(generation: Int) {
        guard generation == sleepGeneration, let sleeper else { return }
        observationWanted = true
        self.sleeper = nil
        sleeper.resume()
    }

    func attachDNS(_ server: DNSServer, ttl: UInt32) {
        dnsServer = server
        dnsTTL = ttl
    }

    func beginShutdown() {
        stopping = true
        kick()
    }

    /// A trigger (apply, exit, command) is waiting for the next pass: the queue depth `/metrics` reports.
    var hasPendingKick: Bool { pendingKick }

    /// Whether `down` finished: nothing the operator started is still running.
    var hasStoppedEverything: Bool { stopping && lastInstances.isEmpty }

    /// One reconcile pass; returns how long to wait before the next one. `overtaking`: a quick pass carrying a change
    /// while a full pass's probes are out (ReconcileLoop+Overtake.swift); it only pushes and writes status.
    func pass(overtaking: Bool = false) async -> Double {
        passes += 1
        let quick = overtaking || (objectsChanged && !observationWanted && !stopping && lastSnapshot != nil)
        objectsChanged = false
        registryChangeWaiting = false  // this pass compiles with the registry as it is now
        if !overtaking { observationWanted = false }
        // The changes this pass's snapshot includes: their propagation ends when its pushes are confirmed.
        var coveredChange = changeStoredAt
        changeStoredAt = nil
        let started = ContinuousClock.now
        logger.trace("pass started", metadata: [
            "pass": "\(passes)", "t": "\(traceTime)", "kind": "\(overtaking ? "overtaking" : quick ? "quick" : "full")",
            "changeWaited": "\(coveredChange.map { Self.traceMilliseconds(seconds(since: $0)) + "ms" } ?? "-")"])
        var phases: [String] = []
        var mark = started
        // The phases are for the trace log alone: without it a pass reads no clocks and builds no strings for them.
        let tracing = logger.logLevel <= .trace
        // The process's CPU beside each phase's wall time (`compile=12ms/9cpu`): every thread's, so a push's includes
        // the event loops' share of its exchanges, and anything else running meanwhile (the API).
        let cpuAtStart = tracing ? ProcessCPUClock.milliseconds() : 0
        var cpuMark = cpuAtStart
        if tracing {
            if let coveredChange { phases.append("stored=-\(Self.milliseconds(coveredChange.duration(to: started)))ms") }
            phases.append("sinceLastPass=\(Int(cpuAtStart - cpuAtLastPassEnd))cpu")
        }
        func phase(_ name: @autoclosure () -> String) {
            guard tracing else { return }
            let now = ContinuousClock.now
            let cpu = ProcessCPUClock.milliseconds()
            let parts = mark.duration(to: now).components
            phases.append("\(name())=\(parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000)ms/\(Int(cpu - cpuMark))cpu")
            mark = now
            cpuMark = cpu
        }
        defer { if tracing { cpuAtLastPassEnd = ProcessCPUClock.milliseconds() } }
        do {
            let previousSnapshot = lastSnapshot
            var snapshot = try await snapshotForPass(quick: quick)
            phase("load")
            // Split weights alone: pushed and their status written first (ReconcileLoop+Weights.swift).
            var weights = (carried: false, confirmed: false)
            if quick { weights = await carryWeights(from: previousSnapshot, to: snapshot) }
            if weights.carried {
                phase("weights")
                if let change = coveredChange, weights.confirmed {
                    metrics.propagation.record(seconds(since: change))
                    coveredChange = nil  // propagated: this pass's own push has nothing left of it
                }
            }
            let instances = quick ? lastInstances
                : await applyReadiness(await observe(try await store.processes(), snapshot: snapshot), snapshot: snapshot)
            phase(overtaking ? "observe(overtaking)" : quick ? "observe(reused)" : "observe")
            // Log rotation and the state directory's size are a full pass's chores (one runs at least every 2 s):
            // in a change's quick pass they stood between the change and its push (up to 404 ms of an expiry's pass
            // at load 30, docs/performance.md "Discovery").
            if !quick { keepLogsBounded(instances.map(\.record)) }
            if !quick, let carried = lastSnapshot { snapshot = carried }  // a change carried during the probes loaded it
            if objectsChanged {
                // An apply landed while this pass probed: plan with it now rather than one whole pass later.
                objectsChanged = false
                registryChangeWaiting = false
                if !observationWanted { pendingKick = false }  // nothing else asked for the next pass
                coveredChange = coveredChange ?? changeStoredAt
                changeStoredAt = nil
                snapshot = try await snapshotForPass(quick: true)
                phase("reload")
            }
            let nextFaultExpiry = await expireFaults(snapshot: snapshot)
            let services = snapshot.objects.compactMap { object -> Service? in
                if case .service(let service) = object { return service }
                return nil
            }
            let expiredBefore = registrations.instances.count
            await expireRegistrations(services: services)
            if registrations.instances.count != expiredBefore { coveredChange = coveredChange ?? started }
            snapshot = await autoscaled(snapshot, instances: instances, sample: !quick)
            let rolloutOverrides = await driveRollouts(snapshot: snapshot, instances: instances)
            phase("rollouts")
            var compiled = compile(snapshot: snapshot, instances: instances, overrides: rolloutOverrides)
            compiledLoad = snapshot.load
            var world = compiled.world
            phase("compile")
            let observed = instances.map(\.observed)
            let actions = Planner.plan(desired: stopping ? [] : world.processes, observed: observed, now: now)
            phase("plan")
            var wait = rolloutOverrides.wait
            if let nextFaultExpiry { wait = min(wait, max(nextFaultExpiry, 0.05)) }
            if !overtaking {
                tendOutboundSockets(instances: instances, world: world)
                tendGatewaySockets(instances: instances, world: world)
            }
            var pushes: [ReconcileAction] = []
            for action in actions {
                switch action {
                case .requeue(_, let after, _): wait = min(wait, max(after, 0.1))
                case .configure: pushes.append(action)  // independent of each other: sent together below
                default: if !overtaking { await execute(action, world: world, instances: instances) }
                }
            }
            phase("execute")
            await enterPushGate()
            if compiled.registryGeneration != registrations.generation {
                // A registry change came after this compile, carried to the proxies meanwhile: push it too, never
                // take it back out (ReconcileLoop+RegistryCarry.swift).
                compiled = recompile(compiled)
                world = compiled.world
                pushes = Self.configureActions(compiled, observed: instances.map(withConfirmedVersion))
            }
            let pushed = await push(pushes, world: world, instances: instances.map(withConfirmedVersion))
            leavePushGate()
            phase("push(\(pushes.count))")
            if let coveredChange, !pushes.isEmpty {
                if pushed {
                    metrics.propagation.record(seconds(since: coveredChange))
                } else {
                    // A proxy did not take it: the change is still propagating; a later pass records it.
                    changeStoredAt = min(changeStoredAt ?? coveredChange, coveredChange)
                }
            }
            if !overtaking { await finishDrains(instances: instances, world: world) }
            lastWorld = lastCompile?.world ?? world  // a registry change carried since compiled it again
            // A quick pass starts from records read back at the end of the last one; only a start, stop or forget
            // (or a drain finishing) changes them. After a weight change (pushes alone) reading 400 records back
            // from SQLite again was a large part of the status phase at 100 services.
            let onlyPushed = quick && !instances.contains { $0.observed.state == .draining }
                && actions.allSatisfy { if case .configure = $0 { return true }; if case .requeue = $0 { return true }; return false }
            lastInstances = onlyPushed ? instances.map(withConfirmedVersion) : try await observeAfterPass(instances)
            confirmedVersions.removeAll()
            await writeStatuses(snapshot: snapshot, instances: lastInstances, world: world)
            phase("status")
            logger.trace("pass", metadata: ["pass": "\(passes)", "t": "\(traceTime)", "actions": "\(actions.count)",
                                            "phases": "\(phases.joined(separator: " "))"])
            // Look again soon while something moves. A pass that only pushed, every proxy confirming, left nothing
            // moving: the next full pass comes at its time. (Each change's quick pass used to ask for one 0.25 s
            // later, ~75 ms of the operator's CPU at 100 services x 2, as much as the change itself cost.)
            let settled = pushed && actions.allSatisfy {
                if case .configure = $0 { return true }
                if case .requeue = $0 { return true }
                return false
            }
            if !settled || isConverging(instances: lastInstances, world: world) { wait = min(wait, 0.25) }
            if let due = replicaHealth.nextDue(after: now) { wait = min(wait, max(due - now, 0.05)) }
            if let due = readiness.nextDue(after: now) { wait = min(wait, max(due - now, 0.05)) }
            if !autoscaling.decisions.isEmpty { wait = min(wait, ReplicaAutoscaler.minimumSampleInterval) }
            // Full passes keep their own period: a quick pass never sleeps past the next one's time, so changes
            // coming faster than that period do not put full passes off.
            if quick { wait = min(wait, max(fullPassDue - now, 0)) } else { fullPassDue = now + wait }
            metrics.recordPass(seconds: seconds(since: started), actions: actions.count, failed: false)
            return wait
        } catch {
            logger.error("reconcile pass failed", metadata: ["error": "\(error)"])
            metrics.recordPass(seconds: seconds(since: started), actions: 0, failed: true)
            return 1.0
        }
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        let parts = duration.components
        return parts.seconds * 1000 + parts.attoseconds / 1_000_000_000_000_000
    }

    /// The stored objects for this pass: read again, unless it is quick and nothing stored changed since the last
    /// read (a registration or an expiry: one hop to SQLite and back less on its way to the proxies).
    private func snapshotForPass(quick: Bool) async throws -> MeshSnapshot {
        if quick, !storedObjectsChanged, let lastSnapshot { return lastSnapshot }
        storedObjectsChanged = false  // before the read: a change stored during it asks for the next one
        var snapshot = try await MeshSnapshot.load(from: store, reusing: lastSnapshot)
        snapshotLoads += 1
        snapshot.load = snapshotLoads
        lastSnapshot = snapshot
        return snapshot
    }

    private func observeAfterPass(_ observed: [ObservedInstance]) async throws -> [ObservedInstance] {
        // Cheap re-read of records only (no probes): status reflects the processes started or stopped this pass.
        let records = try await store.processes()
        let byID = Dictionary(observed.map { ($0.record.id, $0) }, uniquingKeysWith: { first, _ in first })
        return records.map { record in
            byID[record.id].map { instance in
                var copy = withConfirmedVersion(instance)
                copy.record = record
                return copy
            }
                ?? ObservedInstance(record: record, observed: ObservedProcess(
                    slot: record.slot, instance: record.id, revision: record.revision, state: .starting),
                    ports: record.portMap)
        }
    }

    /// The instance as its answer to this pass's push left it: a proxy that took its configuration runs it.
    func withConfirmedVersion(_ instance: ObservedInstance) -> ObservedInstance {
        guard let version = confirmedVersions[instance.record.id] else { return instance }
        var copy = instance
        copy.observed.configVersion = version
        return copy
    }

    /// Something is on its way (a process starting or draining, a proxy behind on its config): look again soon.
    private func isConverging(instances: [ObservedInstance], world: DesiredWorld) -> Bool {
        instances.contains { instance in
            switch instance.observed.state {
            case .starting, .draining: return true
            case .exited: return false
            case .ready:
                guard let desired = world.configurations[instance.slot] else { return false }
                return instance.observed.configVersion != desired.version
            }
        }
    }

    private func compile(snapshot: MeshSnapshot, instances: [ObservedInstance], overrides: RolloutOverrides)
        -> CompiledWorld
    {
        var inputs = MeshInputs(objects: stopping ? [] : snapshot.objects, meshctlPath: meshctlPath,
                                configsDirectory: directory.configsDirectory, gatewayPort: gatewayPort)
        inputs.weightOverrides = overrides.weights
        inputs.httpRouteCreatedAt = Dictionary(
            snapshot.stored.filter { $0.key.kind == ManifestKind.httpRoute.rawValue }.map { ($0.key.name, $0.createdAt) },
            uniquingKeysWith: { first, _ in first })
        inputs.logsDirectory = directory.logsDirectory
        inputs.registeredEndpoints = registrations.endpoints
        inputs.adminTokenPath = directory.adminTokenPath
        inputs.workloadBaseEnvironment = WorkloadEnvironment.base(from: ProcessInfo.processInfo.environment)
        inputs.identitySocket = directory.socketPath
        inputs.commandOverrides = overrides.commands
        inputs.pinnedRoutes = overrides.pinned
        inputs.mirrorRoutes = overrides.mirrors
        inputs.sessionAffinities = overrides.affinities
        inputs.dataPlaneVersion = DataPlaneFingerprint.version(of: ProxyLaunch(meshctlPath: meshctlPath).executable)
        for instance in instances where instance.isReady {
            switch instance.slot.role {
            case .workload:
                if let port = instance.ports["port"] { inputs.readyWorkloadPorts[instance.slot, default: []].append(port) }
            case .sidecar:
                if let port = instance.ports["inbound"] { inputs.readyInboundPorts[instance.slot, default: []].append(port) }
            case .gateway:
                break
            }
        }
        for key in inputs.readyWorkloadPorts.keys { inputs.readyWorkloadPorts[key]?.sort() }
        return compile(inputs, instances: instances)
    }

    /// Compiles `inputs` (read with `instances`), keeps the port book, gives the DNS interface its zone, and notes
    /// the compile as the latest (`lastCompile`), with the registry generation it listed.
    func compile(_ inputs: MeshInputs, instances: [ObservedInstance]) -> CompiledWorld {
        let before = portBook
        var world = MeshCompiler.compile(inputs, ports: &portBook, isFree: PortProbe.isFree, memo: encodingMemo,
                                          plans: planMemo)
        // Keep ports of instances still running (an old revision draining) as well as the desired ones.
        var keep = world.portKeys
        for instance in instances {
            for purpose in instance.ports.keys {
                keep.insert("\(instance.slot)@\(instance.record.revision):\(purpose)")
            }
        }
        portBook.retain(keep)
        if portBook != before { savePortBook() }
        if stopping { world.processes = [] }
        dnsServer?.update(MeshZone.make(services: inputs.services, gateway: world.configurations[GatewayPlan.slot],
                                        ttl: dnsTTL))
        let compiled = CompiledWorld(inputs: inputs, instances: instances, registryGeneration: registrations.generation,
                                     world: world)
        lastCompile = compiled
        return compiled
    }

    static func loadPortBook(_ directory: StateDirectory) -> PortBook {
        guard let data = FileManager.default.contents(atPath: directory.root + "/ports.json"),
              let book = try? JSONDecoder().decode(PortBook.self, from: data) else { return PortBook() }
        return book
    }

    private func savePortBook() {
        guard let data = try? JSONEncoder().encode(portBook) else { return }
        try? data.write(to: URL(fileURLWithPath: directory.root + "/ports.json"), options: .atomic)
    }
}
