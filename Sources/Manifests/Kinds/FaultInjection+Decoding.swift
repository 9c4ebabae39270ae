#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension FaultInjection.Spec {
    init(decoding spec: inout FieldReader) {
        let context = spec.context
        let service = spec.name("service") ?? ""
        let match = spec.mapping("match") { reader -> HTTPRouteGroup.Match? in
            let (pathRegex, methods, headers) = HTTPRouteGroup.Spec.conditions(decoding: &reader)
            if pathRegex == nil, methods.isEmpty, headers.isEmpty, reader.value("pathRegex") == nil {
                context.error(reader.mark, reader.path,
                              "a match needs at least one of pathRegex, methods or headers (leave match out to fault every request)")
            }
            return HTTPRouteGroup.Match(name: "", pathRegex: pathRegex, methods: methods, headers: headers)
        }
        let delay = spec.mapping("delay") { reader -> FaultInjection.Delay? in
            let fixedDelay = reader.value("fixedDelay").flatMap {
                context.duration($0, reader.fieldPath("fixedDelay"), minimum: .milliseconds(1))
            }
            if !reader.contains("fixedDelay") { _ = reader.required("fixedDelay") }
            let percentage = reader.decimal("percentage", 0...100, default: 100)
            return fixedDelay.map { FaultInjection.Delay(fixedDelay: $0, percentage: percentage) }
        }
        let abort = spec.mapping("abort") { reader -> FaultInjection.Abort? in
            let percentage = reader.decimal("percentage", 0...100, default: 100)
            if let node = reader.value("grpcStatus") {
                if let other = reader.value("httpStatus") {
                    context.error(other.mark, reader.fieldPath("httpStatus"), "give httpStatus or grpcStatus, not both")
                }
                return FaultInjection.grpcStatus(node, reader.fieldPath("grpcStatus"), context)
                    .map { FaultInjection.Abort(grpcStatus: $0, percentage: percentage) }
            }
            let status = reader.int("httpStatus", 200...599, required: true)
            return status.map { FaultInjection.Abort(httpStatus: $0, percentage: percentage) }
        }
        if !spec.contains("delay") && !spec.contains("abort") {
            context.error(spec.mark, spec.path, "needs a delay, an abort, or both")
        }
        var expiresAt: Date?
        if let node = spec.value("expiresAt"), let text = context.string(node, spec.fieldPath("expiresAt")) {
            expiresAt = FaultInjection.parseTimestamp(text)
            if expiresAt == nil {
                context.error(node.mark, spec.fieldPath("expiresAt"),
                              "expected an RFC 3339 UTC time such as 2026-12-06T10:00:00Z, got \(context.quoted(text))")
            }
        }
        self.init(service: service, match: match, delay: delay, abort: abort, expiresAt: expiresAt)
    }
}

extension FaultInjection {
    /// `2026-12-06T10:00:00Z` (RFC 3339, UTC), the form `expiresAt` is written and printed in.
    static func parseTimestamp(_ text: String) -> Date? {
        try? Date.ISO8601FormatStyle().parse(text)
    }

    /// The inverse of `parseTimestamp`, whole seconds.
    static func formatTimestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle())
    }

    /// `grpcStatus`: a code 0–16, or its name as Istio writes it (`UNAVAILABLE`).
    static func grpcStatus(_ node: Node, _ path: String, _ context: DecodeContext) -> Int? {
        if let text = node.scalar?.text, let code = FaultInjection.Abort.grpcStatusNames.firstIndex(of: text) { return code }
        if let text = node.scalar?.text, Int(text) == nil {
            context.error(node.mark, path, "expected a gRPC status code 0–16 or its name (UNAVAILABLE, …), got \(context.quoted(text))")
            return nil
        }
        return context.int(node, path, 0...16)
    }
}
