/// One problem found in the input, printed the way compilers print them:
/// `file:line:column: error: field.path: what is wrong`.
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error
        case warning
    }

    public var file: String
    public var mark: Mark
    /// The field path inside the object (`spec.backends[1].weight`); empty for problems below the schema level.
    public var path: String
    public var message: String
    public var severity: Severity

    public init(file: String, mark: Mark, path: String = "", message: String, severity: Severity = .error) {
        self.file = file
        self.mark = mark
        self.path = path
        self.message = message
        self.severity = severity
    }

    public var description: String {
        let prefix = "\(file):\(mark.line):\(mark.column): \(severity.rawValue): "
        return path.isEmpty ? prefix + message : prefix + path + ": " + message
    }
}

extension Diagnostic: Comparable {
    /// Sorted by file, then position, then message, so output is stable whatever order checks ran in.
    public static func < (lhs: Diagnostic, rhs: Diagnostic) -> Bool {
        if lhs.file != rhs.file { return lhs.file < rhs.file }
        if lhs.mark != rhs.mark { return lhs.mark < rhs.mark }
        if lhs.path != rhs.path { return lhs.path < rhs.path }
        return lhs.message < rhs.message
    }
}
