import Logging

/// One timer armed at the earliest registration's TTL deadline. When it rings, what expired leaves the table and a
/// quick pass (plan from the last observation, push) carries just that change to every proxy: an expiry no longer
/// waits for the next full pass, whose probes of every process came first (TTL expiry p99 was 1,043 ms after the
/// deadline; docs/performance.md, "Discovery").
///
/// Heartbeats only move deadlines later, so they leave the alarm alone: it may ring for an instance renewed since,
/// finds nothing due, and re-arms for the new earliest deadline. Only a registration (a deadline that may be
/// earlier) re-arms it at once.
struct RegistrationExpiryAlarm: Sendable {
    /// The loop time (seconds) it rings at; nil when unarmed.
    private(set) var due: Double?
    /// Tells a stale timer (replaced, or cancelled after it woke) from the armed one.
    private(set) var generation = 0
    private var timer: Task<Void, Never>?

    /// Whether a timer for `deadline` is needed: none is armed, or the armed one rings later.
    func needsArming(for deadline: Double) -> Bool { due.map { deadline < $0 } ?? true }

    /// Replaces the armed timer (if any) with `makeTimer(generation)`, due at `deadline`.
    mutating func arm(at deadline: Double, _ makeTimer: (Int) -> Task<Void, Never>) {
        timer?.cancel()
        generation += 1
        due = deadline
        timer = makeTimer(generation)
    }

    /// The timer of `generation` rang: true when it is the armed one (which is then spent).
    mutating func ring(_ generation: Int) -> Bool {
        guard generation == self.generation, due != nil else { return false }
        due = nil
        timer = nil
        return true
    }

    mutating func disarm() {
        timer?.cancel()
        timer = nil
        due = nil
        generation += 1
    }
}

extension ReconcileLoop {
    /// Arms the alarm for the earliest TTL deadline, unless it already rings no later (called after each change to
    /// the table that may bring a deadline earlier, and after the alarm rings).
    func armExpiryAlarm() {
        guard let deadline = registrations.nextExpiry else {
            expiryAlarm.disarm()
            return
        }
        guard expiryAlarm.needsArming(for: deadline) else { return }
        logger.trace("expiry alarm armed", metadata: ["t": "\(traceTime)", "deadline": "\(Self.traceMilliseconds(deadline))"])
        let instant = ContinuousClock.now.advanced(by: .milliseconds(Int64(max(deadline - now, 0) * 1000) + 1))
        expiryAlarm.arm(at: deadline) { generation in
            Task { [weak self] in
                guard (try? await Task.sleep(until: instant, clock: .continuous)) != nil else { return }
                await self?.expiryAlarmRang(generation)
            }
        }
    }

    /// Takes out what expired, asks for the quick pass that pushes it, then records why.
    private func expiryAlarmRang(_ generation: Int) async {
        guard expiryAlarm.ring(generation) else { return }
        // Whether each Service still allows registration is the pass's check (it has the snapshot).
        let gone = registrations.expire(now: now, allowed: { _ in true })
        logger.trace("expiry alarm rang", metadata: [
            "t": "\(traceTime)", "expired": "\(gone.count)",
            "late": "\(Self.traceMilliseconds(now - (gone.map(\.expiresAt).max() ?? now)))ms",
            "passRunning": "\(!isSleeping)", "probesOut": "\(confirmedWhileLooking != nil)"])
        if !gone.isEmpty { kick(observe: false, storeChanged: false) }
        armExpiryAlarm()
        await recordExpiries(gone, allowed: { _ in true })
    }
}
