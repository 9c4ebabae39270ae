extension Service {
    /// Whether a replica takes traffic, as Kubernetes' `readinessProbe` decides it: a replica that fails it leaves
    /// every proxy's endpoints (and does not count as ready in a rollout) but is not restarted. Separate from
    /// `healthCheck`, which says whether it is healthy; both must pass when both are written.
    /// Field names and defaults are Kubernetes' (docs/discovery.md, "Readiness").
    public struct ReadinessProbe: Sendable, Hashable, Codable {
        public enum Action: Sendable, Hashable, Codable {
            /// `GET path` on 127.0.0.1:`port` (the replica's `PORT` when nil); 200-399 passes.
            case httpGet(path: String, port: Int?)
            /// Runs argv (no shell) with the replica's environment and working directory; exit status 0 passes.
            case exec([String])
        }

        public var action: Action
        /// No probe before this long after the replica started.
        public var initialDelaySeconds: Int
        public var periodSeconds: Int
        public var timeoutSeconds: Int
        /// Passes in a row before a replica that is not ready becomes ready.
        public var successThreshold: Int
        /// Failures in a row before a ready replica stops being ready.
        public var failureThreshold: Int

        public init(action: Action, initialDelaySeconds: Int = 0, periodSeconds: Int = 10, timeoutSeconds: Int = 1,
                    successThreshold: Int = 1, failureThreshold: Int = 3) {
            self.action = action
            self.initialDelaySeconds = initialDelaySeconds
            self.periodSeconds = periodSeconds
            self.timeoutSeconds = timeoutSeconds
            self.successThreshold = successThreshold
            self.failureThreshold = failureThreshold
        }
    }
}

extension Service.ReadinessProbe {
    /// Reads `spec.readinessProbe`: exactly one of `httpGet` and `exec`, every error at its line.
    init?(decoding reader: inout FieldReader) {
        let defaults = Self(action: .exec([]))
        let httpNode = reader.value("httpGet")
        let execNode = reader.value("exec")
        var action: Action?
        if httpNode != nil {
            action = reader.mapping("httpGet") { http in
                var path = "/"
                if let node = http.value("path"), let text = http.context.nonEmptyString(node, http.fieldPath("path")) {
                    path = text
                    if !text.hasPrefix("/") { http.context.error(node.mark, http.fieldPath("path"), "must start with \"/\"") }
                }
                let port = http.int("port", 1...65535)
                return Action.httpGet(path: path, port: port)
            }
        }
        if let execNode {
            if httpNode != nil {
                reader.context.error(execNode.mark, reader.fieldPath("exec"), "a probe has either httpGet or exec, not both")
            }
            let argv = reader.mapping("exec") { exec -> [String]? in
                guard let command = exec.stringList("command") else {
                    if !exec.contains("command") { exec.context.error(exec.mark, exec.fieldPath("command"), "required field is missing") }
                    return nil
                }
                if command.isEmpty { exec.context.error(exec.mark, exec.fieldPath("command"), "must name a program to run") }
                return command.isEmpty ? nil : command
            }
            if httpNode == nil { action = argv.map(Action.exec) }
        }
        if httpNode == nil && execNode == nil {
            reader.context.error(reader.mark, reader.path, "needs httpGet (path, port) or exec (command)")
        }
        let period = reader.int("periodSeconds", 1...3600, default: defaults.periodSeconds)
        let timeoutNode = reader.value("timeoutSeconds")
        var timeout = defaults.timeoutSeconds
        if let timeoutNode, let value = reader.context.int(timeoutNode, reader.fieldPath("timeoutSeconds"), 1...3600) {
            timeout = value
            if value > period {
                reader.context.error(timeoutNode.mark, reader.fieldPath("timeoutSeconds"), "must not be longer than periodSeconds")
            }
        }
        let initialDelay = reader.int("initialDelaySeconds", 0...3600, default: defaults.initialDelaySeconds)
        let success = reader.int("successThreshold", 1...100, default: defaults.successThreshold)
        let failure = reader.int("failureThreshold", 1...100, default: defaults.failureThreshold)
        guard let action else { return nil }
        self.init(action: action, initialDelaySeconds: initialDelay, periodSeconds: period, timeoutSeconds: timeout,
                  successThreshold: success, failureThreshold: failure)
    }

    var canonical: CanonicalValue {
        var map = CanonicalMap()
        switch action {
        case .httpGet(let path, let port):
            var http = CanonicalMap()
            http.add("path", .string(path))
            http.add("port", port)
            map.add("httpGet", http.value)
        case .exec(let argv):
            map.add("exec", .map([.init("command", .strings(argv))]))
        }
        map.add("initialDelaySeconds", .int(initialDelaySeconds))
        map.add("periodSeconds", .int(periodSeconds))
        map.add("timeoutSeconds", .int(timeoutSeconds))
        map.add("successThreshold", .int(successThreshold))
        map.add("failureThreshold", .int(failureThreshold))
        return map.value
    }
}
