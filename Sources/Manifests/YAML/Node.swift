/// A YAML node with the position it was read from. Aliases are already expanded (against a budget) by the loader,
/// so consumers see a plain tree.
public struct Node: Sendable, Hashable {
    public enum Value: Sendable, Hashable {
        case scalar(Scalar)
        case sequence([Node])
        /// Pairs in source order; duplicate keys were already reported by the loader and only the first is kept.
        case mapping([Pair])
    }

    public struct Pair: Sendable, Hashable {
        public var key: Node
        public var value: Node

        public init(key: Node, value: Node) {
            self.key = key
            self.value = value
        }
    }

    public var value: Value
    public var mark: Mark
    /// The explicit tag, if the source had one (`!!str`, `!!int`); nil for the default tags.
    public var tag: String?

    public init(_ value: Value, mark: Mark, tag: String? = nil) {
        self.value = value
        self.mark = mark
        self.tag = tag
    }
}

/// A scalar keeps its raw text and how it was written, so a typed decoder can tell `no` from `"no"`.
public struct Scalar: Sendable, Hashable {
    public enum Style: Sendable, Hashable {
        case plain
        case singleQuoted
        case doubleQuoted
        case literal
        case folded
    }

    public var text: String
    public var style: Style

    public init(_ text: String, style: Style = .plain) {
        self.text = text
        self.style = style
    }

    /// A plain scalar that YAML would read as null (`~`, `null`, empty).
    public var isNull: Bool {
        style == .plain && (text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL")
    }
}

extension Node {
    public var scalar: Scalar? {
        if case .scalar(let s) = value { return s }
        return nil
    }

    public var sequence: [Node]? {
        if case .sequence(let items) = value { return items }
        return nil
    }

    public var mapping: [Pair]? {
        if case .mapping(let pairs) = value { return pairs }
        return nil
    }

    /// The value under a string key of a mapping, if any.
    public subscript(key: String) -> Node? {
        guard case .mapping(let pairs) = value else { return nil }
        return pairs.first { $0.key.scalar?.text == key }?.value
    }

    /// What a user would call this node's kind in an error message.
    public var kindName: String {
        switch value {
        case .scalar(let s): return s.isNull ? "null" : "a scalar"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }
}

/// One YAML document of a file (files may hold several, separated by `---`).
public struct Document: Sendable, Hashable {
    public var file: String
    /// Index of the document in its file, from 0.
    public var index: Int
    /// Where the document starts (its `---`, or its first node).
    public var mark: Mark
    /// nil for an empty document.
    public var root: Node?

    public init(file: String, index: Int, mark: Mark, root: Node?) {
        self.file = file
        self.index = index
        self.mark = mark
        self.root = root
    }
}
