/// Loopback ports the operator hands out, kept across passes and restarts so a process's address never changes
/// under it. A key names what the port is for (`web/sidecar/0@3f2a…:admin`); the first choice for a key is derived
/// from the key itself, so a fresh state directory gets the same ports for the same manifests when they are free.
public struct PortBook: Sendable, Hashable, Codable {
    public private(set) var assignments: [String: Int]
    public var lowest: Int
    public var highest: Int
    /// The ports in `assignments`, kept beside it: rebuilding the set for every new key made a cold start of
    /// 1,000 services (8,000 ports) quadratic.
    private var taken: Set<Int>

    private enum CodingKeys: String, CodingKey { case assignments, lowest, highest }

    public init(assignments: [String: Int] = [:], lowest: Int = 20_000, highest: Int = 29_999) {
        self.assignments = assignments
        self.lowest = lowest
        self.highest = highest
        self.taken = Set(assignments.values)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(assignments: try container.decode([String: Int].self, forKey: .assignments),
                  lowest: try container.decode(Int.self, forKey: .lowest),
                  highest: try container.decode(Int.self, forKey: .highest))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(assignments, forKey: .assignments)
        try container.encode(lowest, forKey: .lowest)
        try container.encode(highest, forKey: .highest)
    }

    /// The port for `key`: the one it has, else the first free one from its preferred start.
    /// `isFree` answers whether nothing else on the machine holds a port; it is only asked about new assignments.
    public mutating func port(for key: String, isFree: (Int) -> Bool) -> Int {
        if let port = assignments[key] { return port }
        let count = highest - lowest + 1
        let start = Int(Self.hash(key) % UInt64(count))
        for offset in 0..<count {
            let candidate = lowest + (start + offset) % count
            if !taken.contains(candidate) && isFree(candidate) {
                assignments[key] = candidate
                taken.insert(candidate)
                return candidate
            }
        }
        return 0  // the range is exhausted; port 0 makes the process fail visibly at bind rather than collide
    }

    /// Forgets every key not in `keys` (ports of revisions and slots nobody runs any more).
    public mutating func retain(_ keys: Set<String>) {
        assignments = assignments.filter { keys.contains($0.key) }
        taken = Set(assignments.values)
    }

    /// FNV-1a: stable across runs and platforms, unlike `Hasher`.
    static func hash(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// A short hex digest, for revisions and configuration versions.
    public static func digest(_ parts: [String]) -> String {
        let hex = String(hash(parts.joined(separator: "\u{1f}")), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
