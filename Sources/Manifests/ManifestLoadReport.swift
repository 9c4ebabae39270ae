/// Everything one validation run found: the objects that decoded cleanly and every problem, sorted.
public struct ManifestLoadReport: Sendable {
    /// Objects without schema errors, in file order then document order. Cross-object errors do not remove objects;
    /// check `isValid` before using them.
    public var objects: [LoadedObject]
    /// Sorted by file, line and column.
    public var diagnostics: [Diagnostic]
    public var fileCount: Int
    /// Every object read, including those that failed to decode.
    public var objectCount: Int

    public init(objects: [LoadedObject], diagnostics: [Diagnostic], fileCount: Int, objectCount: Int) {
        self.objects = objects
        self.diagnostics = diagnostics
        self.fileCount = fileCount
        self.objectCount = objectCount
    }

    public var errorCount: Int { diagnostics.count { $0.severity == .error } }

    public var isValid: Bool { errorCount == 0 }

    /// `2 errors in 7 objects (3 files)` or `7 objects valid (3 files)`.
    public var summary: String {
        let objects = Self.plural(objectCount, "object")
        let files = Self.plural(fileCount, "file")
        if isValid { return "\(objects) valid (\(files))" }
        return "\(Self.plural(errorCount, "error")) in \(objects) (\(files))"
    }

    static func plural(_ count: Int, _ noun: String) -> String {
        "\(count) \(noun)\(count == 1 ? "" : "s")"
    }
}
