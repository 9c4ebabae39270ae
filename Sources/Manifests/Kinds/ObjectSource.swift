/// Where an object came from, so that errors found across objects still point at file:line:column.
public struct ObjectSource: Sendable, Hashable, Codable {
    public var file: String
    /// Where the object starts.
    public var mark: Mark
    /// Marks of names, references and ports, by field path (`spec.backends[1].service`).
    public var fieldMarks: [String: Mark]

    public init(file: String, mark: Mark, fieldMarks: [String: Mark] = [:]) {
        self.file = file
        self.mark = mark
        self.fieldMarks = fieldMarks
    }

    /// The mark of a field, or of the object when the field was not recorded.
    public func mark(of path: String) -> Mark {
        fieldMarks[path] ?? mark
    }
}
