extension SidecarConfiguration {
    /// Problems of the traffic-management parts (rate limits, faults, HTTPRoute rules): ranges, and route matches
    /// that must compile.
    static func trafficManagementProblems(services: [ServiceConfig], splits: [TrafficSplitConfig], faults: [FaultConfig])
        -> [ConfigError.Problem]
    {
        var problems: [ConfigError.Problem] = []
        func fail(_ path: String, _ message: String) { problems.append(.init(path: path, message: message)) }
        for (i, service) in services.enumerated() {
            guard let limit = service.rateLimit else { continue }
            problems += limit.problems(path: "services[\(i)].rateLimit")
        }
        for (i, fault) in faults.enumerated() {
            let path = "faults[\(i)]"
            if fault.service.isEmpty { fail("\(path).service", "must not be empty") }
            if fault.delay == nil && fault.abort == nil { fail(path, "needs a delay, an abort, or both") }
            if let delay = fault.delay {
                if !(0...100).contains(delay.percentage) { fail("\(path).delay.percentage", "must be 0...100") }
                if delay.fixedDelay < .milliseconds(1) { fail("\(path).delay.fixedDelay", "must be at least 1ms") }
            }
            if let abort = fault.abort {
                if !(0...100).contains(abort.percentage) { fail("\(path).abort.percentage", "must be 0...100") }
                if !(200...599).contains(abort.httpStatus) { fail("\(path).abort.httpStatus", "must be 200...599") }
            }
            if let match = fault.match { problems += Self.matchProblems(match, path: "\(path).match") }
        }
        for (i, split) in splits.enumerated() where !split.rules.isEmpty {
            let known = Set(split.backends.map(\.service))
            for (j, rule) in split.rules.enumerated() {
                let path = "splits[\(i)].rules[\(j)]"
                // A redirect answers by itself: Gateway API forbids backends beside it.
                let redirects = rule.filters?.redirect != nil
                if rule.backends.isEmpty, !redirects { fail("\(path).backends", "needs at least one backend") }
                if !rule.backends.isEmpty, redirects { fail("\(path).backends", "must be empty with a redirect") }
                if !rule.backends.isEmpty, !rule.backends.contains(where: { $0.weight > 0 }) {
                    fail("\(path).backends", "at least one weight must be > 0")
                }
                for (k, backend) in rule.backends.enumerated() {
                    if backend.weight < 0 { fail("\(path).backends[\(k)].weight", "must be >= 0") }
                    if !known.contains(backend.service) {
                        fail("\(path).backends[\(k)].service", "\"\(backend.service)\" is not a backend of the split")
                    }
                }
                if let match = rule.match { problems += Self.matchProblems(match, path: "\(path).match") }
                if let t = rule.timeout, t < .milliseconds(1) { fail("\(path).timeout", "must be at least 1ms") }
                if let t = rule.perTryTimeout, t < .milliseconds(1) { fail("\(path).perTryTimeout", "must be at least 1ms") }
                if let t = rule.timeout, let p = rule.perTryTimeout, p > t { fail("\(path).perTryTimeout", "must not exceed timeout") }
                if let mirror = rule.mirror {
                    if mirror.service.isEmpty { fail("\(path).mirror.service", "must not be empty") }
                    if !(0...100).contains(mirror.percentage) { fail("\(path).mirror.percentage", "must be 0...100") }
                }
                if let filters = rule.filters { problems += filters.problems(path: "\(path).filters") }
            }
        }
        return problems
    }

    /// A route match's patterns that do not compile.
    static func matchProblems(_ match: RouteMatch, path: String) -> [ConfigError.Problem] {
        var problems: [ConfigError.Problem] = []
        if let regex = match.pathRegex, (try? Regex(regex)) == nil {
            problems.append(.init(path: "\(path).pathRegex", message: "invalid regular expression \"\(regex)\""))
        }
        for (name, regex) in match.headers.sorted(by: { $0.key < $1.key }) where (try? Regex(regex)) == nil {
            problems.append(.init(path: "\(path).headers.\(name)", message: "invalid regular expression \"\(regex)\""))
        }
        for (name, regex) in match.queryParams.sorted(by: { $0.key < $1.key }) where (try? Regex(regex)) == nil {
            problems.append(.init(path: "\(path).queryParams.\(name)", message: "invalid regular expression \"\(regex)\""))
        }
        return problems
    }
}
