/// Every decision about one client request's exchanges with upstream endpoints, as a value with no I/O: events
/// in, one `Step` out (in the style of swift-nio's protocol state machines, e.g. `HTTP1ConnectionStateMachine`).
///
/// The proxy's connection handler reads and writes bytes, owns the connections, buffers and timers, and carries
/// out what each step says; this type decides which endpoint is asked (via the handler's balancer, `pickEndpoint`),
/// when a try has failed, whether it is retried (free retries, then `RetryPolicy.decide` and the service's
/// `RetryBudget`), after which backoff, whether the request body is kept for replay, whether a response is held
/// back until complete, and what the client is told when nothing more can be tried (502/503/504 with a reason).
///
/// One machine lives per client connection and serves its requests one after the other. Nothing here allocates:
/// states carry plain values, and each event returns one `Step`.
public struct ExchangeStateMachine: Sendable {
    /// What the machine needs to know of a request whose head was parsed.
    public struct Request: Sendable, Hashable {
        /// GET, HEAD, OPTIONS, TRACE, PUT, DELETE (RFC 9110 §9.2.2).
        public var idempotent: Bool
        /// Whether the head is the whole request (no body to wait for).
        public var bodyComplete: Bool
        /// The announced body length; nil when chunked or absent.
        public var contentLength: Int?
        /// What the exchange carries: an ordinary request, an HTTP/1.1 Upgrade, or a whole opaque connection.
        public var carries: Carriage
        /// The caller's own deadline for the whole call, in nanoseconds (gRPC's `grpc-timeout`); 0 for none. The
        /// request gets the shorter of it and the policy's (or the proxy's default) timeout.
        public var callTimeout: UInt64

        public init(
            idempotent: Bool, bodyComplete: Bool, contentLength: Int? = nil, carries: Carriage = .request,
            callTimeout: UInt64 = 0
        ) {
            self.idempotent = idempotent
            self.bodyComplete = bodyComplete
            self.contentLength = contentLength
            self.carries = carries
            self.callTimeout = callTimeout
        }
    }

    /// What one exchange carries, which decides what a connected try may turn into.
    public enum Carriage: Sendable, Hashable {
        /// A request and its response.
        case request
        /// A request asking to switch protocols (`Connection: upgrade`, e.g. WebSocket): a 101 turns the try into a
        /// tunnel; any other response is an ordinary one. Once its head went up it is never sent again.
        case upgrade
        /// An opaque (`appProtocol: tcp`) connection: the try is a tunnel as soon as it is connected.
        case connection
    }

    /// Whether the request can be sent again, and what that needs.
    public enum Replay: Sendable, Hashable {
        /// It cannot (a method that must not be resent, or a body larger than the policy's bound).
        case impossible
        /// The head is the whole request: nothing needs keeping.
        case headOnly
        /// The body bytes sent so far, `bytes` of them, are kept by the handler.
        case keeping(bytes: Int)
    }

    /// One request's exchange, whatever state it is in. Small and plain on purpose: every transition copies it
    /// (the request's policy stays beside the state, in `policy`).
    @usableFromInline
    struct Exchange: Sendable {
        let idempotent: Bool
        /// When the whole request must be answered (monotonic nanoseconds); 0 for never.
        let deadline: UInt64
        var replay: Replay
        /// Free retries used (a refused connect, a stale pooled connection): they do not count as tries.
        var freeRetries = 0
        /// The endpoint of the current (or last) try; a retry avoids it.
        var endpoint: Int? = nil
        /// Whether the current try's outcome is still to be reported to the balancer and outlier detector.
        var unreported = false
        var tryStartedAt: UInt64 = 0
        /// When the current try must have a response head; 0 for never.
        var tryDeadline: UInt64 = 0
        /// An interim (1xx) response reached the client: nothing can be retried after it.
        var clientSawBytes = false
        let carries: Carriage
        /// An upgrade request's head went up on the current try (see `Carriage.upgrade`).
        var upgradeSent = false

        var canReplay: Bool { replay != .impossible }
    }

    @usableFromInline
    enum State: Sendable {
        /// No request in progress.
        case idle
        /// A try has begun: an endpoint is being picked (`endpoint == nil`) or its pool asked for a connection.
        case connecting(Exchange)
        /// Waiting out the backoff before the next try.
        case backingOff(Exchange)
        /// Connected: the request goes up, the response head is awaited.
        case sending(Exchange)
        /// The final head arrived; the response is held back until complete, so a cut still allows a retry.
        case holding(Exchange)
        /// The final head was accepted for the client: no retry is possible any more.
        case forwarding(Exchange)
        /// Bytes pass both ways, unparsed, until either side closes (after a 101, or an opaque connection).
        case tunneling(Exchange)
    }

    @usableFromInline
    var state = State.idle
    /// The retry policy of the request in progress (of the last one when idle).
    var policy = RetryPolicy.none
    /// Tries of the current (or last) request, free retries not counted (for the access log).
    public internal(set) var tries = 0
    /// An injected abort that waits for the injected delay (`ExchangeStateMachine+Admission.swift`).
    var abortAfterDelay: Int?

    public init() {}

    /// True while a request is in progress.
    @inlinable
    public var isBusy: Bool {
        if case .idle = state { return false }
        return true
    }

    /// True once the handler holds a connection for this request (the request goes up, or the response down).
    @inlinable
    public var isConnected: Bool {
        switch state {
        case .sending, .holding, .forwarding, .tunneling: true
        case .idle, .connecting, .backingOff: false
        }
    }

    /// True while the connection is a tunnel: the handler moves bytes both ways and parses nothing.
    @inlinable
    public var isTunneling: Bool {
        if case .tunneling = state { return true }
        return false
    }

    /// Whether the handler should keep body bytes it sends (see `bodySent`).
    public var isKeepingBody: Bool {
        if case .keeping? = current?.replay { return true }
        return false
    }

    /// How the current request could be replayed (`.impossible` when idle).
    public var replay: Replay { current?.replay ?? .impossible }

    /// The request in progress, whatever its state.
    var current: Exchange? {
        switch state {
        case .connecting(let e), .backingOff(let e), .sending(let e), .holding(let e), .forwarding(let e),
            .tunneling(let e):
            e
        case .idle: nil
        }
    }
}

extension ExchangeStateMachine {
    /// What the handler does after an event; `report`, when set, goes to the balancer and outlier detector first.
    public struct Step: Sendable, Hashable {
        /// How a try ended, for `endpoint`: exactly one report per picked endpoint.
        public var report: Report?
        public var action: Action
        /// The budget refused a retry the policy allowed (counted in metrics).
        public var budgetRefused = false

        public init(report: Report? = nil, action: Action, budgetRefused: Bool = false) {
            self.report = report
            self.action = action
            self.budgetRefused = budgetRefused
        }

        public static let none = Step(action: .none)
    }

    /// One try's result for the balancer and outlier detector.
    public struct Report: Sendable, Hashable {
        public var endpoint: Int
        public var outcome: AttemptOutcome
        /// When the try started (its latency runs from here).
        public var startedAt: UInt64

        public init(endpoint: Int, outcome: AttemptOutcome, startedAt: UInt64) {
            self.endpoint = endpoint
            self.outcome = outcome
            self.startedAt = startedAt
        }
    }

    public enum Action: Sendable, Hashable {
        /// Nothing to do.
        case none
        /// Ask the balancer for an endpoint (another than `avoiding` when there is one), then call
        /// `endpointPicked`.
        case pickEndpoint(avoiding: Int?)
        /// Ask `endpoint`'s pool for a connection; then `connected`, `upstreamFailed` or `poolOverflow`.
        case connect(endpoint: Int)
        /// Release this try's connection and endpoint, count a retry, and call `backoffElapsed` after `delay`
        /// nanoseconds (at once for 0).
        case retry(after: UInt64)
        /// Release this try's connection and endpoint, then try again at once (a free retry): call
        /// `backoffElapsed` now.
        case retryNow
        /// Forward the response whose head just arrived.
        case forwardResponse
        /// Pass the 101 head on, then move bytes both ways (the client's bytes after its request head included)
        /// until either side closes; then call `tunnelEnded`.
        case tunnel
        /// Release the exchange and answer the client with the proxy's own response.
        case answer(status: Int, reason: String)
        /// Release the exchange and close the client connection at once: it has seen part of a response, and
        /// must never see something that looks complete.
        case closeClient
        /// Release the exchange without answering (the client is gone).
        case abandon
        /// Wait `nanoseconds` (an injected delay), then call `faultDelayElapsed`.
        case delay(nanoseconds: UInt64)
        /// Answer 429 with `Retry-After` (the service's rate limit); nothing was tried.
        case rateLimited(retryAfterSeconds: Int)
    }
}
