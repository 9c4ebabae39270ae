/// Reads YAML bytes into documents of position-carrying nodes. It never throws and never traps: every problem —
/// syntax, encoding, limits, duplicate keys — comes back as a `Diagnostic` with the file's line and column.
public struct YAMLLoader: Sendable {
    public var limits: YAMLLimits

    public init(limits: YAMLLimits = .default) {
        self.limits = limits
    }

    public func load(_ bytes: [UInt8], file: String) -> YAMLLoadResult {
        guard bytes.count <= limits.maxBytes else {
            let diagnostic = Diagnostic(
                file: file, mark: Mark(line: 1, column: 1),
                message: "file is \(bytes.count) bytes; the limit is \(Self.describe(bytes: limits.maxBytes))")
            return YAMLLoadResult(documents: [], diagnostics: [diagnostic])
        }
        if let utf16 = Self.utf16ByteOrderMark(bytes) {
            let diagnostic = Diagnostic(
                file: file, mark: Mark(line: 1, column: 1),
                message: "file is \(utf16); manifests must be UTF-8")
            return YAMLLoadResult(documents: [], diagnostics: [diagnostic])
        }
        let parser = LibYAMLParser(bytes: bytes)
        var builder = YAMLTreeBuilder(file: file, limits: limits)
        do {
            while let event = try parser.next() {
                if !builder.consume(event) { break }
            }
        } catch {
            builder.diagnostics.append(diagnostic(for: error, bytes: bytes, file: file))
        }
        return YAMLLoadResult(documents: builder.documents, diagnostics: builder.diagnostics)
    }

    /// Turns libyaml's wording into a message a user can act on, at the position of the problem.
    private func diagnostic(for error: YAMLSyntaxError, bytes: [UInt8], file: String) -> Diagnostic {
        let text = SourceText(bytes: bytes)
        guard let mark = error.mark else {
            let mark = text.mark(ofByteOffset: error.byteOffset)
            let byte = error.byteValue >= 0 ? " (byte 0x\(String(error.byteValue, radix: 16, uppercase: true)))" : ""
            let message: String
            switch error.problem {
            case "control characters are not allowed":
                message = "control character\(byte) is not allowed in YAML"
            case "invalid Unicode character":
                message = "invalid Unicode character\(byte)"
            default:
                message = "invalid UTF-8: \(error.problem)\(byte)"
            }
            return Diagnostic(file: file, mark: mark, message: message)
        }
        if text.character(at: mark) == "\t" {
            return Diagnostic(file: file, mark: mark, message: "tab character where YAML expects spaces; indent with spaces")
        }
        var message = error.problem
        if let (context, contextMark) = error.context {
            message += " (\(context) at \(contextMark.line):\(contextMark.column))"
        }
        return Diagnostic(file: file, mark: mark, message: "invalid YAML: " + message)
    }

    private static func utf16ByteOrderMark(_ bytes: [UInt8]) -> String? {
        guard bytes.count >= 2 else { return nil }
        if bytes[0] == 0xFE && bytes[1] == 0xFF { return "UTF-16 (big-endian)" }
        if bytes[0] == 0xFF && bytes[1] == 0xFE { return "UTF-16 (little-endian)" }
        return nil
    }

    static func describe(bytes: Int) -> String {
        if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) bytes"
    }
}

/// Documents read from one file, and every problem found in it.
public struct YAMLLoadResult: Sendable {
    public var documents: [Document]
    public var diagnostics: [Diagnostic]

    public init(documents: [Document], diagnostics: [Diagnostic]) {
        self.documents = documents
        self.diagnostics = diagnostics
    }
}
