import NIOCore
import SidecarConfig
import TrafficPolicy

extension DownstreamHandler {
    /// The fault drawn for a routed request on a listener that applies faults (`ListenerPlan.appliesFaults`): those
    /// of the service the caller addressed.
    func faultDecision(_ decision: LoopContext.RouteDecision, routes: LoopRoutes, head bytes: ByteBuffer)
        -> FaultInjection.Decision
    {
        guard case .service(_, _, let root, _) = decision, let faults = routes.faults[root.name] else { return .none }
        let facts = bytes.withUnsafeReadableBytes { RequestFacts(bytes: $0, head: request, includeFields: true) }
        return faults.decide(facts, random: &loop.random)
    }

    /// Starts the exchange of the routed request (`service`, `retries` set): the service's rate limit when this is
    /// one of its inbound listeners, the drawn fault, then the first try.
    func startExchange(
        routes: LoopRoutes, plan: ListenerPlan, fault: FaultInjection.Decision, options timeouts: SplitRules.Options?,
        now: UInt64
    )
        -> ExchangeStateMachine.Step
    {
        guard let service, let retries else { return .none }
        injectedGRPCStatus = fault.abortGRPCStatus
        var policy = retries.retryPolicy
        if let timeouts {
            // An HTTPRoute rule's timeouts replace the policy's (Gateway API: request, backendRequest).
            if let timeout = timeouts.timeout { policy.timeout = timeout }
            if let perTry = timeouts.perTryTimeout { policy.perTryTimeout = perTry }
        }
        // A gRPC call is always a POST: the method says nothing of whether it may be sent again, and its retries
        // are what the policy's retryOn says (as Envoy does). Its grpc-timeout bounds the exchange.
        let request = ExchangeStateMachine.Request(
            idempotent: self.request.method.isIdempotent || grpcCall != nil, bodyComplete: requestFramer.isDone,
            contentLength: self.request.contentLength, carries: self.request.forwardsUpgrade ? .upgrade : .request,
            callTimeout: grpcCall?.timeoutNanos ?? 0)
        let admission = ExchangeStateMachine.Admission(fault: fault)
        if let limiter = timeouts?.limiter {
            // An HTTPRoute rule's RateLimit, kept where the rule is routed (a caller's proxy, the gateway).
            return machine.requestArrived(
                request, policy: policy, timeout: routes.requestTimeoutNanos, now: now,
                budget: &retries.budget, rateLimit: &limiter.bucket, admission: admission)
        }
        if plan.isInbound && service.rateLimit != nil {
            return machine.requestArrived(
                request, policy: policy, timeout: routes.requestTimeoutNanos, now: now,
                budget: &retries.budget, rateLimit: &service.rateLimit, admission: admission)
        }
        var unlimited: TokenBucket? = nil
        return machine.requestArrived(
            request, policy: policy, timeout: routes.requestTimeoutNanos, now: now,
            budget: &retries.budget, rateLimit: &unlimited, admission: admission)
    }

    /// Waits out an injected delay on the event loop, then lets the machine go on (try, or injected abort).
    /// Shares `backoffTask` with retry backoffs: one exchange waits for one of them at a time, and releasing the
    /// exchange cancels either.
    func scheduleFaultDelay(_ nanoseconds: UInt64) {
        guard hasClient else { return }
        let box = NIOLoopBound(self, eventLoop: loop.eventLoop)
        backoffTask = loop.eventLoop.scheduleTask(in: .nanoseconds(Int64(min(nanoseconds, UInt64(Int64.max))))) {
            let handler = box.value
            handler.backoffTask = nil
            handler.perform(handler.machine.faultDelayElapsed())
        }
    }
}
