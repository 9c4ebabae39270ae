import Foundation
import Manifests

/// Where each field of a loaded object was written: warnings about fields that do not map name the meshctl field's
/// `file:line:column`. The decoder keeps marks only for references; this reads the files once more and indexes every
/// path of every document. Sources it cannot read fall back to the object's own mark.
struct SourceLocator {
    /// file → document start → field path → mark.
    private var index: [String: [Mark: [String: Mark]]] = [:]

    init(objects: [LoadedObject], read: (String) -> [UInt8]? = SourceLocator.readFile) {
        let loader = YAMLLoader()
        for file in Set(objects.map(\.source.file)) {
            guard let bytes = read(file) else { continue }
            var documents: [Mark: [String: Mark]] = [:]
            for document in loader.load(bytes, file: file).documents {
                guard let root = document.root else { continue }
                var paths: [String: Mark] = [:]
                Self.collect(root, path: "", into: &paths)
                documents[root.mark] = paths
            }
            index[file] = documents
        }
    }

    static func readFile(_ path: String) -> [UInt8]? {
        FileManager.default.contents(atPath: path).map { [UInt8]($0) }
    }

    private static func collect(_ node: Node, path: String, into paths: inout [String: Mark]) {
        switch node.value {
        case .mapping(let pairs):
            for pair in pairs {
                guard let key = pair.key.scalar?.text else { continue }
                let child = path.isEmpty ? key : path + "." + key
                paths[child] = pair.value.mark
                collect(pair.value, path: child, into: &paths)
            }
        case .sequence(let items):
            for (offset, item) in items.enumerated() {
                let child = "\(path)[\(offset)]"
                paths[child] = item.mark
                collect(item, path: child, into: &paths)
            }
        case .scalar:
            break
        }
    }

    /// Whether the user wrote the field (rather than leaving its default).
    func isWritten(_ path: String, in source: ObjectSource) -> Bool {
        index[source.file]?[source.mark]?[path] != nil
    }

    /// The field's mark; for a field left to its default, that of the nearest written parent, else the object's.
    func mark(of path: String, in source: ObjectSource) -> Mark {
        if let mark = source.fieldMarks[path] { return mark }
        guard let paths = index[source.file]?[source.mark] else { return source.mark }
        var candidate = path
        while !candidate.isEmpty {
            if let mark = paths[candidate] { return mark }
            guard let cut = candidate.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            candidate = String(candidate[..<cut])
        }
        return source.mark
    }
}
