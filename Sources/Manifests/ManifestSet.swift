import Foundation

/// The library entry point: load manifests from files, directories or bytes; decode, check every object and the set
/// as a whole; return every problem at once.
public enum ManifestSet {
    /// One input: a file name (as it should appear in errors) and its bytes.
    public struct Source: Sendable {
        public var file: String
        public var bytes: [UInt8]

        public init(file: String, bytes: [UInt8]) {
            self.file = file
            self.bytes = bytes
        }
    }

    /// Loads every `*.yaml`/`*.yml` under each path (a file, or a directory searched recursively in sorted order) as
    /// one apply set. A missing or unreadable path is an error in the report, not a throw.
    /// - Parameter crossCheck: false checks each object alone (references are left to whoever knows the rest of the
    ///   mesh, as `meshctl delete -f` leaves them to the operator).
    public static func load(paths: [String], limits: YAMLLimits = .default, crossCheck: Bool = true)
        -> ManifestLoadReport
    {
        var sources: [Source] = []
        var diagnostics: [Diagnostic] = []
        for path in paths {
            for file in files(at: path, diagnostics: &diagnostics) {
                guard let data = FileManager.default.contents(atPath: file) else {
                    diagnostics.append(
                        Diagnostic(file: file, mark: Mark(line: 1, column: 1), message: "cannot read file")
                    )
                    continue
                }
                sources.append(Source(file: file, bytes: [UInt8](data)))
            }
        }
        var report = crossCheck ? load(sources: sources, limits: limits) : decode(sources: sources, limits: limits).report
        report.diagnostics = (report.diagnostics + diagnostics).sorted()
        return report
    }

    /// Loads in-memory sources as one self-contained apply set: every reference must resolve inside it.
    public static func load(sources: [Source], limits: YAMLLimits = .default) -> ManifestLoadReport {
        var (report, invalid) = decode(sources: sources, limits: limits)
        report.diagnostics = (report.diagnostics + CrossValidator.validate(report.objects, invalid: invalid)).sorted()
        return report
    }

    /// Parses and checks each object on its own, without the rules that span objects: what the operator does with
    /// an apply before it checks the whole mesh (`MeshValidator`) against what is stored.
    /// - Returns: the report, and the keys of objects that failed their own checks.
    public static func decode(sources: [Source], limits: YAMLLimits = .default)
        -> (report: ManifestLoadReport, invalid: Set<ObjectKey>)
    {
        let loader = YAMLLoader(limits: limits)
        var objects: [LoadedObject] = []
        var diagnostics: [Diagnostic] = []
        var objectCount = 0
        var invalid: Set<ObjectKey> = []
        for source in sources {
            let result = loader.load(source.bytes, file: source.file)
            diagnostics += result.diagnostics
            var decoder = ObjectDecoder(file: source.file)
            for document in result.documents {
                let before = decoder.diagnostics.count
                let decoded = decoder.decode(document)
                objects += decoded
                // An object that failed to decode still counts in "2 errors in 7 objects".
                objectCount += decoded.isEmpty && decoder.diagnostics.count > before ? 1 : decoded.count
            }
            diagnostics += decoder.diagnostics
            invalid.formUnion(decoder.invalidObjects)
        }
        let report = ManifestLoadReport(
            objects: objects,
            diagnostics: diagnostics.sorted(),
            fileCount: sources.count,
            objectCount: objectCount
        )
        return (report, invalid)
    }

    /// Manifest files under a path, in sorted order so that output is stable.
    /// The manifest files under a path: the file itself, or every *.yaml and *.yml below a directory, sorted.
    public static func files(at path: String, diagnostics: inout [Diagnostic]) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            diagnostics.append(
                Diagnostic(file: path, mark: Mark(line: 1, column: 1), message: "no such file or directory")
            )
            return []
        }
        guard isDirectory.boolValue else { return [path] }
        guard let enumerator = FileManager.default.enumerator(atPath: path) else { return [] }
        var base = path
        while base.count > 1, base.hasSuffix("/") { base.removeLast() }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            guard relative.hasSuffix(".yaml") || relative.hasSuffix(".yml") else { continue }
            let full = base == "/" ? "/" + relative : base + "/" + relative
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: full, isDirectory: &isDir), !isDir.boolValue {
                files.append(full)
            }
        }
        return files.sorted()
    }
}
