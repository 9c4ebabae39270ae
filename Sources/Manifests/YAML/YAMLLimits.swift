/// Bounds on what one file may cost to parse. They are part of parsing, not an afterthought: a hostile or broken
/// file is rejected with a position and a reason, in bounded time and memory.
public struct YAMLLimits: Sendable, Hashable {
    /// Largest file accepted, in bytes.
    public var maxBytes: Int
    /// Deepest nesting of sequences and mappings.
    public var maxDepth: Int
    /// Most nodes a file may hold once aliases are expanded; this is what stops a "billion laughs" file.
    public var maxNodes: Int

    public init(maxBytes: Int = 8 << 20, maxDepth: Int = 128, maxNodes: Int = 1_000_000) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxNodes = maxNodes
    }

    public static let `default` = YAMLLimits()
}
