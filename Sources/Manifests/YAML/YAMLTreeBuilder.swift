/// Builds position-carrying node trees from parse events, without recursion, enforcing the depth and alias
/// budgets and reporting duplicate keys. YAML 1.1 merge keys (`<<: *base`) are applied as Kubernetes' YAML does.
struct YAMLTreeBuilder {
    let file: String
    let limits: YAMLLimits
    var documents: [Document] = []
    var diagnostics: [Diagnostic] = []

    private var stack: [Frame] = []
    private var anchors: [String: Anchored] = [:]
    /// Nodes created so far in this file, counting every alias as the whole subtree it stands for.
    private var nodeCount = 0
    private var documentMark = Mark(line: 1, column: 1)
    private var documentRoot: Node?

    private struct Anchored {
        var node: Node
        var size: Int
    }

    private enum Collection {
        case sequence([Node])
        case mapping(MappingBuilder)
    }

    private struct Frame {
        var collection: Collection
        var mark: Mark
        var anchor: String?
        var tag: String?
        /// Nodes in this subtree so far, itself included.
        var size = 1
    }

    init(file: String, limits: YAMLLimits) {
        self.file = file
        self.limits = limits
    }

    /// Takes one event; returns false when parsing must stop (a limit was hit).
    mutating func consume(_ event: YAMLEvent) -> Bool {
        switch event {
        case .streamStart, .streamEnd:
            return true
        case .documentStart(let mark):
            documentMark = mark
            documentRoot = nil
            anchors.removeAll()  // anchors are scoped to their document
            return true
        case .documentEnd:
            // A document holding nothing but null (`---` alone, or `--- ~`) is an empty document.
            let root = documentRoot?.scalar?.isNull == true ? nil : documentRoot
            documents.append(Document(file: file, index: documents.count, mark: documentMark, root: root))
            return true
        case .alias(let name, let mark):
            guard let anchored = anchors[name] else {
                diagnostics.append(Diagnostic(file: file, mark: mark, message: "alias *\(name) refers to no anchor defined before it"))
                return false
            }
            guard count(anchored.size, at: mark) else { return false }
            var node = anchored.node
            node.mark = mark
            return attach(node, size: anchored.size)
        case .scalar(let scalar, let anchor, let tag, let mark):
            guard count(1, at: mark) else { return false }
            let node = Node(.scalar(scalar), mark: mark, tag: tag)
            if let anchor { anchors[anchor] = Anchored(node: node, size: 1) }
            return attach(node, size: 1)
        case .sequenceStart(let anchor, let tag, let mark):
            return open(Frame(collection: .sequence([]), mark: mark, anchor: anchor, tag: tag))
        case .mappingStart(let anchor, let tag, let mark):
            return open(Frame(collection: .mapping(MappingBuilder()), mark: mark, anchor: anchor, tag: tag))
        case .sequenceEnd, .mappingEnd:
            return close()
        }
    }

    private mutating func count(_ nodes: Int, at mark: Mark) -> Bool {
        nodeCount += nodes
        guard nodeCount <= limits.maxNodes else {
            diagnostics.append(Diagnostic(
                file: file, mark: mark,
                message: "document expands to more than \(limits.maxNodes) nodes (aliases included); refusing to expand it"))
            return false
        }
        return true
    }

    private mutating func open(_ frame: Frame) -> Bool {
        guard stack.count < limits.maxDepth else {
            diagnostics.append(Diagnostic(
                file: file, mark: frame.mark, message: "nesting is deeper than \(limits.maxDepth) levels"))
            return false
        }
        guard count(1, at: frame.mark) else { return false }
        stack.append(frame)
        return true
    }

    private mutating func close() -> Bool {
        guard var frame = stack.popLast() else { return true }
        let value: Node.Value
        switch frame.collection {
        case .sequence(let items):
            value = .sequence(items)
        case .mapping(var mapping):
            frame.size += mapping.applyMerges()
            value = .mapping(mapping.pairs)
            diagnostics.append(contentsOf: mapping.diagnostics.map { $0.located(in: file) })
        }
        let node = Node(value, mark: frame.mark, tag: frame.tag)
        if let anchor = frame.anchor { anchors[anchor] = Anchored(node: node, size: frame.size) }
        return attach(node, size: frame.size)
    }

    private mutating func attach(_ node: Node, size: Int) -> Bool {
        guard !stack.isEmpty else {
            documentRoot = node
            return true
        }
        stack[stack.count - 1].size += size
        switch stack[stack.count - 1].collection {
        case .sequence(var items):
            stack[stack.count - 1].collection = .sequence([])  // keep `items` uniquely referenced while appending
            items.append(node)
            stack[stack.count - 1].collection = .sequence(items)
        case .mapping(var mapping):
            stack[stack.count - 1].collection = .sequence([])
            mapping.add(node)
            stack[stack.count - 1].collection = .mapping(mapping)
        }
        return true
    }
}
