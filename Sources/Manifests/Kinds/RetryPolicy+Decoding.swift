extension RetryPolicy.Spec {
    init(decoding spec: inout FieldReader) {
        let context = spec.context
        let defaults = Self(service: "")
        let service = spec.name("service") ?? ""
        let attempts = spec.int("attempts", 0...10, default: defaults.attempts)
        let perTryNode = spec.value("perTryTimeout")
        let perTryTimeout = perTryNode.flatMap {
            context.duration($0, spec.fieldPath("perTryTimeout"), minimum: .milliseconds(1))
        }
        let timeout = spec.duration("timeout", minimum: .milliseconds(1))
        if let perTryNode, let perTryTimeout, let timeout, perTryTimeout > timeout {
            context.error(perTryNode.mark, spec.fieldPath("perTryTimeout"), "must not be longer than timeout")
        }

        var retryOn = defaults.retryOn
        if let node = spec.value("retryOn"), let items = context.list(node, spec.fieldPath("retryOn")) {
            retryOn = []
            for (index, item) in items.enumerated() {
                let path = FieldPath.index(spec.fieldPath("retryOn"), index)
                if let condition = Self.retryOn(item, path, context), !retryOn.contains(condition) {
                    retryOn.append(condition)
                }
            }
            if items.isEmpty { context.error(node.mark, spec.fieldPath("retryOn"), "must list at least one condition") }
        }

        let backoff =
            spec.mapping("backoff") { reader -> RetryPolicy.Backoff in
                let defaults = RetryPolicy.Backoff()
                let base = reader.duration("base", default: defaults.base, minimum: .milliseconds(1))
                let maxNode = reader.value("max")
                var maximum = max(defaults.max, base)
                if let maxNode,
                    let value = context.duration(maxNode, reader.fieldPath("max"), minimum: .milliseconds(1))
                {
                    maximum = value
                    if value < base {
                        context.error(maxNode.mark, reader.fieldPath("max"), "must not be shorter than base")
                    }
                }
                let jitter = reader.int("jitter", 0...100, default: defaults.jitter)
                return RetryPolicy.Backoff(base: base, max: maximum, jitter: jitter)
            } ?? defaults.backoff

        let budget =
            spec.mapping("budget") { reader in
                RetryPolicy.Budget(
                    percent: reader.int("percent", 0...100, default: defaults.budget.percent),
                    minRetriesPerSecond: reader.int(
                        "minRetriesPerSecond",
                        0...100_000,
                        default: defaults.budget.minRetriesPerSecond
                    )
                )
            } ?? defaults.budget

        self.init(
            service: service,
            attempts: attempts,
            perTryTimeout: perTryTimeout,
            timeout: timeout,
            retryOn: retryOn,
            backoff: backoff,
            budget: budget,
            idempotentOnly: spec.bool("idempotentOnly", default: true)
        )
    }

    /// `5xx`, `gateway-error`, `connect-failure`, `reset`, a gRPC status name (`unavailable`...), or a status code
    /// such as `503` (plain or quoted).
    static func retryOn(_ node: Node, _ path: String, _ context: DecodeContext) -> RetryPolicy.RetryOn? {
        guard let text = context.string(node, path) else { return nil }
        if let word = RetryPolicy.RetryOn.words[text] { return word }
        if let code = DecodeContext.parseInt(text), text.utf8.count == 3 {
            guard (400...599).contains(code) else {
                context.error(node.mark, path, "status codes to retry on must be from 400 to 599, got \(code)")
                return nil
            }
            return .status(code)
        }
        let words = ["5xx", "gateway-error", "connect-failure", "reset"] + RetryPolicy.RetryOn.grpcNames.map(\.name)
        let suggestion = Suggestion.suffix(for: text, in: words)
        let list = words.map { context.quoted($0) }.joined(separator: ", ")
        context.error(
            node.mark,
            path,
            "unknown condition \(context.quoted(text))\(suggestion) (expected \(list) or a status code)"
        )
        return nil
    }
}
