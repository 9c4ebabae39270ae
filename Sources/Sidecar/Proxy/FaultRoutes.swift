import SidecarConfig
import TrafficPolicy

/// A service's injected faults on one loop: one `RouteTable` rule per fault, in configuration order, so the first
/// fault whose match fits decides (a fault without a match fits every request). Built once per configuration.
final class FaultRoutes {
    let table: RouteTable
    let faults: [FaultInjection]

    private init(table: RouteTable, faults: [FaultInjection]) {
        self.table = table
        self.faults = faults
    }

    /// The configuration's faults by the service the caller addressed. Validation refused patterns that do not
    /// compile, so a skipped match never drops a valid fault.
    static func compile(_ configs: [FaultConfig]) -> [String: FaultRoutes] {
        var rules: [String: [RouteTable.Rule]] = [:]
        var faults: [String: [FaultInjection]] = [:]
        for config in configs {
            let match: HTTPRouteMatch?
            if let route = config.match {
                match = HTTPRouteMatch.compiled(route)
            } else {
                match = try? HTTPRouteMatch()
            }
            guard let match else { continue }
            rules[config.service, default: []].append(RouteTable.Rule(matches: [match]))
            faults[config.service, default: []].append(FaultInjection(
                delay: config.delay.map { .init(fixedDelay: $0.fixedDelay.clampedNanoseconds, percentage: $0.percentage) },
                abort: config.abort.map { .init(httpStatus: $0.httpStatus, grpcStatus: $0.grpcStatus, percentage: $0.percentage) }))
        }
        var routes: [String: FaultRoutes] = [:]
        for (service, serviceRules) in rules {
            routes[service] = FaultRoutes(table: RouteTable(rules: serviceRules), faults: faults[service] ?? [])
        }
        return routes
    }

    /// The fault drawn for a request to this service (`.none` when no fault's match fits, or none was drawn).
    func decide(_ request: RequestFacts, random: inout FastRandom) -> FaultInjection.Decision {
        guard let index = table.route(method: request.method, path: request.path, header: request.header) else {
            return .none
        }
        return faults[index].decide(random: &random)
    }
}
