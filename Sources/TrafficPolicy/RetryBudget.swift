/// Limits retries to a share of recent requests, like Linkerd's and Finagle's retry budgets, so that a failing
/// upstream never receives a retry storm.
///
/// The promise, which no sequence of calls can break: in every window of `ttl` (counted in slots of `ttl / 10`,
/// the current partial slot included),
///
///     retries granted ≤ retryRatio × requests recorded + minRetriesPerSecond × ttl (in seconds)
///
/// A retry is granted only if it keeps that true for every window that contains now, even if no other request
/// arrives for the rest of such a window. The second term lets a quiet service still retry (Linkerd's
/// `minRetriesPerSecond`). Cost: O(10) per `tryWithdrawRetry`, O(1) per `recordRequest`, no allocation after
/// `init`. Ratios are applied in millionths, rounded down, so rounding never grants more than configured.
///
/// Record original requests only; retries are not requests for the budget (otherwise retries would fund retries).
public struct RetryBudget: Sendable {
    /// The budget's knobs; defaults are Linkerd's (`retryRatio: 0.2, minRetriesPerSecond: 10, ttl: 10s`).
    public struct Configuration: Sendable, Hashable {
        /// Retries allowed per original request, e.g. 0.2 for 20%. Clamped to 0...100.
        public var retryRatio: Double
        /// Retries allowed per second regardless of traffic.
        public var minRetriesPerSecond: Int
        /// Window over which requests earn retries, in nanoseconds (at least 10 ns).
        public var ttl: UInt64

        /// Budget settings; `ttl` in nanoseconds.
        public init(retryRatio: Double = 0.2, minRetriesPerSecond: Int = 10, ttl: UInt64 = 10_000_000_000) {
            self.retryRatio = retryRatio.isNaN ? 0 : min(max(retryRatio, 0), 100)
            self.minRetriesPerSecond = max(minRetriesPerSecond, 0)
            self.ttl = max(ttl, UInt64(RetryBudget.slotCount))
        }
    }

    /// Counts of one slot of time.
    struct Slot: Sendable {
        /// Which slot (now / slotWidth) these counts belong to; stale entries read as zero.
        var epoch: UInt64 = .max
        var requests: Int = 0
        var retries: Int = 0
    }

    static let slotCount = 10
    /// Fixed-point scale: one retry costs `unit`, one request earns `ratio × unit`.
    private static let unit = 1_000_000

    /// The settings in use.
    public let configuration: Configuration
    private let slotWidth: UInt64
    private let earnedPerRequest: Int
    /// `minRetriesPerSecond × ttl` retries, scaled by `unit`.
    private let reserve: Int
    private var slots: [Slot]
    /// The latest slot seen, so a clock that steps back cannot reopen old windows.
    private var latestEpoch: UInt64 = 0

    /// Retries granted since creation (for metrics).
    public private(set) var retriesGranted = 0
    /// Retries refused since creation (for metrics: "retries skipped because the budget was spent").
    public private(set) var retriesRefused = 0

    /// An empty budget: until requests arrive, only the `minRetriesPerSecond` reserve is available.
    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.slotWidth = configuration.ttl / UInt64(Self.slotCount)
        self.earnedPerRequest = Int((configuration.retryRatio * Double(Self.unit)).rounded(.down))
        let ttlSeconds = Double(slotWidth * UInt64(Self.slotCount)) / 1e9
        let reserveRetries = (Double(configuration.minRetriesPerSecond) * ttlSeconds).rounded(.down)
        self.reserve = Int(min(reserveRetries, 1e12)) * Self.unit
        self.slots = Array(repeating: Slot(), count: Self.slotCount)
    }

    /// The slot for `now`, never earlier than one already seen.
    private mutating func epoch(at now: UInt64) -> UInt64 {
        latestEpoch = max(latestEpoch, now / slotWidth)
        return latestEpoch
    }

    /// The ring position of `epoch`, cleared if it held an older slot.
    private mutating func currentSlot(_ epoch: UInt64) -> Int {
        let position = Int(epoch % UInt64(Self.slotCount))
        if slots[position].epoch != epoch { slots[position] = Slot(epoch: epoch) }
        return position
    }

    /// Records an original (non-retry) request at `now` (monotonic nanoseconds); it funds `retryRatio` retries for
    /// the next `ttl`.
    public mutating func recordRequest(now: UInt64) {
        let position = currentSlot(epoch(at: now))
        slots[position].requests += 1
    }

    /// How many retries could be granted at `now` if no more requests arrived.
    public func retriesAvailable(now: UInt64) -> Int {
        let epoch = max(latestEpoch, now / slotWidth)
        let balance = reserve - highestSuffixDebt(endingAt: epoch)
        return balance < 0 ? 0 : balance / Self.unit
    }

    /// Takes one retry from the budget if that keeps the promise; true means "retry", false means "give up and
    /// return the failure". Call only when a retry will really be sent.
    public mutating func tryWithdrawRetry(now: UInt64) -> Bool {
        let epoch = epoch(at: now)
        guard highestSuffixDebt(endingAt: epoch) + Self.unit <= reserve else {
            retriesRefused += 1
            return false
        }
        let position = currentSlot(epoch)
        slots[position].retries += 1
        retriesGranted += 1
        return true
    }

    /// Over the windows that contain slot `epoch` and start in the last `slotCount` slots, the largest
    /// `retries × unit − requests × earnedPerRequest` of their part up to `epoch`. A new retry is affordable when
    /// this plus one retry stays within the reserve for all of them.
    private func highestSuffixDebt(endingAt epoch: UInt64) -> Int {
        var running = 0
        var highest = Int.min
        for back in 0..<Self.slotCount {
            if UInt64(back) > epoch { break }
            let slotEpoch = epoch - UInt64(back)
            let slot = slots[Int(slotEpoch % UInt64(Self.slotCount))]
            if slot.epoch == slotEpoch {
                running += slot.retries * Self.unit - slot.requests * earnedPerRequest
            }
            highest = max(highest, running)
        }
        return highest
    }
}
