/// Collects one mapping's pairs: keys must be scalars and unique; `<<` merge keys are remembered and applied at the
/// end, where keys written in the mapping win over merged ones and earlier merge sources win over later ones.
struct MappingBuilder {
    private(set) var pairs: [Node.Pair] = []
    private(set) var diagnostics: [PendingDiagnostic] = []
    private var pendingKey: Node?
    private var seen: [String: Mark] = [:]
    private var mergeSources: [Node] = []

    /// A problem found before the file name is attached.
    struct PendingDiagnostic {
        var mark: Mark
        var message: String

        func located(in file: String) -> Diagnostic {
            Diagnostic(file: file, mark: mark, message: message)
        }
    }

    mutating func add(_ node: Node) {
        guard let key = pendingKey else {
            pendingKey = node
            return
        }
        pendingKey = nil
        guard let scalar = key.scalar else {
            diagnostics.append(PendingDiagnostic(mark: key.mark, message: "mapping keys must be plain strings, not \(key.kindName)"))
            return
        }
        if scalar.style == .plain && scalar.text == "<<" && key.tag == nil {
            addMerge(node)
            return
        }
        if let first = seen[scalar.text] {
            diagnostics.append(PendingDiagnostic(
                mark: key.mark, message: "duplicate key \"\(scalar.text)\" (first at \(first.line):\(first.column))"))
            return
        }
        seen[scalar.text] = key.mark
        pairs.append(Node.Pair(key: key, value: node))
    }

    private mutating func addMerge(_ value: Node) {
        switch value.value {
        case .mapping:
            mergeSources.append(value)
        case .sequence(let items) where items.allSatisfy({ $0.mapping != nil }):
            mergeSources.append(contentsOf: items)
        default:
            diagnostics.append(PendingDiagnostic(
                mark: value.mark, message: "merge key << takes a mapping or a list of mappings, not \(value.kindName)"))
        }
    }

    /// Adds merged pairs whose keys the mapping does not have; returns how many nodes that added.
    mutating func applyMerges() -> Int {
        var added = 0
        for source in mergeSources {
            for pair in source.mapping ?? [] {
                guard let text = pair.key.scalar?.text, seen[text] == nil else { continue }
                seen[text] = pair.key.mark
                pairs.append(pair)
                added += 2
            }
        }
        return added
    }
}
