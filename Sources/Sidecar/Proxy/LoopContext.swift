import NIOCore
import SidecarConfig
import TrafficPolicy

/// Everything one event loop thread owns: the compiled routes, endpoint pools, the random generator, the open
/// client connections and the timer that enforces their deadlines.
///
/// Confined to `eventLoop`: handlers call it synchronously from that loop, other threads only through
/// `eventLoop.execute`. That is why it is `@unchecked Sendable`: it is passed to bootstrap closures, never used off
/// its loop.
final class LoopContext: @unchecked Sendable {
    let eventLoop: any EventLoop
    let metrics: ProxyMetrics
    /// Replaced whole by each swap (`apply`, `applySplits`, `LoopContext+Patch.swift`), never mutated in place.
    var routes: LoopRoutes
    var random = FastRandom()
    /// Set by drain: answered requests close their connection, idle ones are closed.
    private(set) var draining = false
    /// This loop's access-log batcher; nil while the access log is off.
    var accessLog: AccessLogSink?
    /// Every endpoint this loop routes to, by `endpointKey` (kept across swaps while its service keeps it).
    var endpoints: [String: EndpointState] = [:]
    /// Each service's endpoints as they share its connection limit, by service name (kept across swaps).
    var pools: [String: ServicePool] = [:]
    /// Services looked at (compared or compiled) and services compiled by the swaps so far: what a change costs
    /// this loop, and how a test tells that a one-service patch did not walk or rebuild the rest of the mesh.
    var servicesExamined = 0
    var servicesCompiled = 0
    /// Connection counts shared with the proxy's other loops.
    let connectionCounts: ServiceConnectionCounts
    private var serviceMetrics: [String: ServiceMetrics] = [:]
    /// False while `init` compiles the first configuration, which runs on the caller's thread: a checker started
    /// then could record its first result on the loop before `routes` is assigned, and that flip would be lost
    /// (a dead endpoint left in service for good). The loop starts them once the context is whole.
    private var healthChecksLive = false
    private var connections: [DownstreamHandler] = []
    private var sweeper: RepeatedTask?
    private var drainWaiters: [EventLoopPromise<Void>] = []
    /// Sends held to the end of a busy loop's turn; nil with `--no-write-batching`.
    let writeBatch: WriteBatch?
    /// HTTP/2 client connections (their streams are in `connections`), told to go away on drain.
    let http2Connections = HTTP2ConnectionSet()
    /// The proxy's identity, when it has one: endpoints of `mtls` services are connected to with it.
    let meshTLS: MeshTLS?
    /// Told when connections close (client or upstream side): the proxy trims its heap a while after (`HeapTrimmer`).
    let heapTrimmer: HeapTrimmer?
    /// Copies of requests (HTTPRoute `RequestMirror`, `setMirrorRoute`), handed to the mirror loop; made on first use.
    lazy var mirror = MirrorHandoff(eventLoop: eventLoop, registry: metrics.registry)

    /// How often deadlines are checked: the resolution of every timeout the proxy enforces.
    static let sweepInterval = TimeAmount.milliseconds(10)

    init(
        eventLoop: any EventLoop, metrics: ProxyMetrics, config: SidecarConfiguration, writeBatching: Bool = true,
        connectionCounts: ServiceConnectionCounts = ServiceConnectionCounts(), meshTLS: MeshTLS? = nil,
        heapTrimmer: HeapTrimmer? = nil
    ) {
        self.meshTLS = meshTLS
        self.heapTrimmer = heapTrimmer
        self.eventLoop = eventLoop
        self.connectionCounts = connectionCounts
        self.metrics = metrics
        self.writeBatch = writeBatching ? WriteBatch(eventLoop: eventLoop) : nil
        self.routes = LoopRoutes(config: config, services: [:], splits: [:])
        self.routes = compile(config, previous: nil)
        http2Connections.onEmpty = { [unowned self] in self.finishDrainIfDone() }
        eventLoop.execute { [self] in
            healthChecksLive = true
            for endpoint in endpoints.values { endpoint.healthChecker?.start() }
        }
    }

    deinit {
        // The endpoints and their pools hold each other (`ServicePool`).
        for pool in pools.values { pool.setMembers([]) }
    }

    @inline(__always)
    static func now() -> UInt64 { UInt64(NIODeadline.now().uptimeNanoseconds) }

    // MARK: configuration

    /// Swaps in a new configuration; requests already routed keep the services they hold.
    func apply(_ config: SidecarConfiguration) {
        eventLoop.assertInEventLoop()
        let old = endpoints
        routes = compile(config, previous: routes)
        for (key, endpoint) in old where endpoints[key] !== endpoint { endpoint.leave() }
    }

    private func compile(_ config: SidecarConfiguration, previous routes: LoopRoutes?) -> LoopRoutes {
        var newEndpoints: [String: EndpointState] = [:]
        var services: [String: ServiceState] = [:]
        var newPools: [String: ServicePool] = [:]
        for service in config.services {
            servicesExamined += 1
            let policy = config.retryPolicies.first { $0.service == service.name }
            if let unchanged = routes?.services[service.name], unchanged.config == service, unchanged.policyConfig == policy {
                // The same service as before: keep its state whole. A weight change rewrites only the splits, and
                // rebuilding every service of the mesh for it (endpoint parsing, balancer carry-over) was most of
                // what a proxy spent per change.
                newPools[service.name] = pools[service.name]
                for endpoint in unchanged.endpoints { newEndpoints[Self.endpointKey(service.name, endpoint.address)] = endpoint }
                services[service.name] = unchanged
                continue
            }
            let pool = pools[service.name] ?? ServicePool(count: connectionCounts.count(for: service.name))
            newPools[service.name] = pool
            services[service.name] = compileService(
                service, policy: policy, pool: pool, previous: routes?.services[service.name],
                reusing: { newEndpoints[$0] ?? self.endpoints[$0] }, keep: { newEndpoints[$0] = $1 })
        }
        endpoints = newEndpoints
        pools = newPools
        return LoopRoutes(config: config, services: services, splits: Self.compileSplits(config.splits, services: services))
    }

    /// One service compiled for this loop: its endpoints (an endpoint it already had, as `reusing` finds it by key,
    /// is kept with its connections, otherwise made; each handed to `keep`), pool members, protocol, health checks,
    /// and the balancer state carried over from `previous`. The one home of a service's compilation, for a whole
    /// configuration (`compile`) and for a patch (`LoopContext+Patch.swift`).
    func compileService(
        _ service: ServiceConfig, policy: RetryPolicyConfig?, pool: ServicePool, previous: ServiceState?,
        reusing existingEndpoint: (String) -> EndpointState?, keep: (String, EndpointState) -> Void
    ) -> ServiceState {
        servicesCompiled += 1
        let endpoints = service.endpoints.compactMap(HostPort.init(parsing:)).map { address in
            let key = Self.endpointKey(service.name, address)
            if let existing = existingEndpoint(key) {
                existing.limits = service.connectionLimits
                existing.upstreamTLS = UpstreamTLS(service, endpoint: address, meshTLS)
                keep(key, existing)
                return existing
            }
            let metrics = self.metrics
            let endpoint = EndpointState(
                address: address, eventLoop: eventLoop, limits: service.connectionLimits, writeBatch: writeBatch,
                pool: pool, heapTrimmer: heapTrimmer,
                metrics: { [name = service.name] in metrics.endpoint(service: name, address: address) })
            endpoint.upstreamTLS = UpstreamTLS(service, endpoint: address, meshTLS)
            keep(key, endpoint)
            return endpoint
        }
        pool.setMembers(endpoints)
        for endpoint in endpoints {
            endpoint.speakHTTP2(service.appProtocol == .http2 || service.appProtocol == .grpc)
            configureHealthCheck(endpoint, service: service)
        }
        return ServiceState(
            config: service, endpoints: endpoints, retryPolicy: policy,
            metrics: { [unowned self, name = service.name] in self.serviceMetrics(named: name) },
            previous: previous, random: &random)
    }

    static func compileSplits(_ configs: [TrafficSplitConfig], services: [String: ServiceState]) -> [String: SplitState] {
        var splits: [String: SplitState] = [:]
        for split in configs {
            let backends = split.backends.compactMap { services[$0.service] }
            if let missing = split.backends.first(where: { services[$0.service] == nil }) {
                // Only this split's root degrades (`SidecarConfiguration.degradedRoutes`); the rest serves on.
                splits[split.rootService] = SplitState(
                    config: split, backends: [],
                    degraded: "split \"\(split.name)\" names unknown service \"\(missing.service)\"")
                continue
            }
            splits[split.rootService] = SplitState(config: split, backends: backends, allServices: services)
        }
        return splits
    }

    /// Swaps in `config`, which differs from the running one only in its splits (a weight change): the services,
    /// endpoints and host table are kept as they are, so the change costs the splits alone, not the whole mesh.
    func applySplits(_ config: SidecarConfiguration) {
        eventLoop.assertInEventLoop()
        routes = LoopRoutes(config: config, keeping: routes, splits: Self.compileSplits(config.splits, services: routes.services))
    }

    /// An endpoint's key in `endpoints`: the same address under two services is two pools.
    static func endpointKey(_ service: String, _ address: HostPort) -> String {
        EndpointState.key(service: service, address: address)
    }

    /// A service's metrics on this loop, made on first use and kept across configuration swaps.
    private func serviceMetrics(named name: String) -> ServiceMetrics {
        if let existing = serviceMetrics[name] { return existing }
        let made = metrics.service(name)
        serviceMetrics[name] = made
        return made
    }

    /// Starts, restarts or stops an endpoint's health checker to match the service's configuration.
    private func configureHealthCheck(_ endpoint: EndpointState, service: ServiceConfig) {
        if endpoint.healthChecker?.check == service.healthCheck { return }
        endpoint.healthChecker?.stop()
        endpoint.healthChecker = nil
        guard let check = service.healthCheck else {
            endpoint.healthy = true
            return
        }
        let name = service.name
        let checker = HealthChecker(check: check, endpoint: endpoint) { [unowned self] endpoint in
            self.healthChanged(endpoint, service: name)
        }
        endpoint.healthChecker = checker
        if healthChecksLive { checker.start() }
    }

    /// An active check flipped: the current routes exclude (or take back) the endpoint at once.
    private func healthChanged(_ endpoint: EndpointState, service name: String) {
        guard let service = routes.services[name], let index = service.endpoints.firstIndex(where: { $0 === endpoint })
        else { return }
        if endpoint.healthy { service.unhealthy.remove(index) } else { service.unhealthy.insert(index) }
    }

    // MARK: routing

    enum RouteDecision {
        /// The service to call, and whose retry policy and budget apply: the service's own, or — for a request a
        /// split sent to a backend without a policy — the root's, since the caller addressed the root (as a Linkerd
        /// ServiceProfile on the apex service retries the split's traffic).
        /// `root` is the service the caller addressed (a split's root, else the service itself): injected faults
        /// are looked up by it.
        /// `options`: an HTTPRoute rule's timeouts (they replace the policy's) and mirror; nil for none.
        case service(ServiceState, retries: ServiceState, root: ServiceState, options: SplitRules.Options? = nil)
        case noRoute
        /// The route needs a service the configuration does not define: 503 with this detail.
        case degraded(String)
    }

    /// The service a request goes to: by listener kind, then through the root service's split, if any.
    func route(listener: String, bytes: UnsafeRawBufferPointer, head: HTTPHead) -> RouteDecision {
        let routes = self.routes
        guard let listenerConfig = routes.listeners[listener] else { return .noRoute }
        let root: ServiceState?
        switch listenerConfig.kind {
        case .inbound:
            if let name = listenerConfig.service, routes.services[name] == nil {
                return .degraded("unknown service \"\(name)\" (listener \"\(listener)\")")
            }
            root = listenerConfig.service.flatMap { routes.services[$0] }
        case .outbound:
            if let name = listenerConfig.service {
                guard let service = routes.services[name] else {
                    return .degraded("unknown service \"\(name)\" (listener \"\(listener)\")")
                }
                root = service
            } else {
                let request = RequestFacts(bytes: bytes, head: head, includeFields: false)
                root = request.host.flatMap { routes.hosts[$0] }
                if root == nil, let declared = listenerConfig.upstreams {
                    // Not a typo'd or unknown name as far as this proxy can tell: the workload did not declare it.
                    return .degraded("\"\(request.host ?? "")\" is not among the upstreams this service declares ("
                        + (declared.isEmpty ? "none" : declared.joined(separator: ", ")) + "): add it to spec.upstreams")
                }
            }
        case .gateway:
            let request = RequestFacts(bytes: bytes, head: head, includeFields: false)
            let route = listenerConfig.routes.first { route in
                route.matches(host: request.host) && request.path.hasPrefix(route.pathPrefix)
            }
            if let route, routes.services[route.service] == nil {
                return .degraded("unknown service \"\(route.service)\" (route \(route.pathPrefix))")
            }
            root = route.flatMap { routes.services[$0.service] }
        }
        guard let root else { return .noRoute }
        guard let split = routes.splits[root.name] else { return .service(root, retries: root, root: root) }
        if let reason = split.degraded { return .degraded(reason) }
        let needsFields = split.pinned != nil || split.matches != nil || split.rules != nil || split.mirrors != nil
            || split.affinity != nil
        let request = needsFields ? RequestFacts(bytes: bytes, head: head, includeFields: true) : nil
        let now = Self.now()
        func viaSplit(_ backend: ServiceState, options: SplitRules.Options? = nil, setCookie: String? = nil) -> RouteDecision {
            let options = SplitRules.Options.pinning(options, setCookie: setCookie)
            return .service(backend, retries: backend.policyConfig == nil && root.policyConfig != nil ? root : backend,
                            root: root, options: request.map { split.mirroring($0, options) } ?? options)
        }
        if let request {
            // A preview route: a fitting request skips the weights (and the split's own matches).
            if let pinned = split.pinned,
                let rule = pinned.route(method: request.method, path: request.path, header: request.header)
            {
                return viaSplit(split.pinnedServices[rule])
            }
            if let rules = split.rules {
                // An HTTPRoute: its rules alone decide; a request that fits none has no route (Gateway API).
                guard let rule = rules.rule(for: request) else { return .noRoute }
                guard let chosen = split.sticky(request, among: rules.backends(rule: rule), now: now,
                                                pick: { rules.nextBackend(rule: rule, now: now) }) else {
                    // A redirect rule has no backends: the proxy answers it, the root stands in and is never called.
                    guard let options = rules.options[rule], options.filters?.redirect != nil else { return .noRoute }
                    return viaSplit(root, options: options)
                }
                return viaSplit(chosen.backend, options: rules.options[rule], setCookie: chosen.setCookie)
            }
            if let matches = split.matches,
                matches.route(method: request.method, path: request.path, header: request.header) == nil
            {
                return .service(root, retries: root, root: root)
            }
        }
        guard let chosen = split.sticky(request, among: nil, now: now, pick: { split.nextBackend(now: now) }) else {
            return viaSplit(root)
        }
        return viaSplit(chosen.backend, setCookie: chosen.setCookie)
    }

    // MARK: connections, deadlines, drain

    func register(_ connection: DownstreamHandler) {
        connection.registryIndex = connections.count
        connections.append(connection)
        if sweeper == nil {
            sweeper = eventLoop.scheduleRepeatedTask(initialDelay: Self.sweepInterval, delay: Self.sweepInterval) {
                [self] _ in self.sweep()
            }
        }
    }

    func unregister(_ connection: DownstreamHandler) {
        let index = connection.registryIndex
        guard index >= 0, index < connections.count, connections[index] === connection else { return }
        let last = connections.removeLast()
        if index < connections.count {
            connections[index] = last
            last.registryIndex = index
        }
        connection.registryIndex = -1
        heapTrimmer?.noteFreed()
        if connections.isEmpty {
            // No timer while nothing is open: an idle sidecar does not wake up.
            sweeper?.cancel()
            sweeper = nil
            finishDrainIfDone()
        }
    }

    private func sweep() {
        let now = Self.now()
        var index = 0
        // Handlers may unregister themselves while being checked; walk by index against the live count.
        while index < connections.count {
            let connection = connections[index]
            connection.checkDeadlines(now: now)
            if index < connections.count && connections[index] === connection { index += 1 }
        }
    }

    /// The lame-duck phase before `drain()`: every response from now on closes its connection (its client
    /// reconnects, to the replacement when there is one), while idle connections stay open, so that a request a
    /// client is sending on one right now is answered rather than met by a close.
    func stopKeepAlive() {
        eventLoop.assertInEventLoop()
        draining = true
        http2Connections.quiesceAll()
    }

    /// Stops keep-alive and waits until every client connection of this loop has closed.
    func drain() -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        draining = true
        http2Connections.quiesceAll()
        for endpoint in endpoints.values { endpoint.closeIdle() }
        if connections.isEmpty && http2Connections.count == 0 { return eventLoop.makeSucceededFuture(()) }
        let promise = eventLoop.makePromise(of: Void.self)
        drainWaiters.append(promise)
        for connection in connections { connection.drain() }
        return promise.futureResult
    }

    /// A drain is done once every exchange has ended and every HTTP/2 connection has closed: the connection manager
    /// closes one once it has sent its last stream's final frames. Counting exchanges alone let the drain end (and
    /// the event loops shut down) as the last stream closed, before its last frame was written: the client got a
    /// response head and a close (Tests/SidecarTests/HTTP2/HTTP2DrainTests.swift).
    func finishDrainIfDone() {
        guard draining, connections.isEmpty, http2Connections.count == 0 else { return }
        for promise in drainWaiters { promise.succeed() }
        drainWaiters.removeAll()
    }

    /// The drain deadline passed: what is still open (tunnels, slow exchanges) is closed now.
    func closeRemaining() {
        eventLoop.assertInEventLoop()
        for connection in connections { connection.close() }
        http2Connections.closeAll()
    }

    var openConnections: Int { connections.count }

    /// This loop's request-duration histograms, by service.
    func latencySnapshots() -> [(String, LatencyHistogram.Snapshot)] {
        serviceMetrics.map { ($0.key, $0.value.latency.snapshot) }
    }

    func endpointSnapshot() -> [(service: String, address: String, open: Int, idle: Int, inFlight: Int, ejected: Bool, healthy: Bool)] {
        return routes.services.values.sorted { $0.name < $1.name }.flatMap { service in
            service.endpoints.enumerated().map { index, endpoint in
                (service.name, endpoint.address.description, endpoint.openConnections, endpoint.idleCount,
                 endpoint.inFlight, service.isEjected(index), !service.unhealthy.contains(index))
            }
        }
    }
}
