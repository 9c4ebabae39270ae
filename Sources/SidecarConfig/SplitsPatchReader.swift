/// Reads the one `PATCH /config` body every proxy takes on every weight change, without `JSONDecoder`:
/// `{"base":…,"version":…,"splits":[{"name":…,"rootService":…,"backends":[{"service":…,"weight":N},…],"matches":[]},…]}`,
/// its keys in any order, with any JSON whitespace. At 100 services, decoding that with `JSONDecoder` (and
/// `TrafficSplitConfig`'s Codable, which asks for six keys of each split) was a fifth of a proxy's CPU per patch
/// (docs/performance.md, "reconcile", session 16), paid by all 201 proxies of the bench on every change.
///
/// It gives up (nil) on anything else: another key (retry policies, services, a split's matches or routes), a key
/// twice, `null`, a string with an escape or a byte outside printable ASCII, a number that is not a plain integer,
/// a missing field, bytes after the document. `SidecarConfigPatch.decode` then hands the body to `JSONDecoder`, so
/// what is accepted and how a refusal reads stay `JSONDecoder`'s: on what this reads, both give the same patch
/// (Tests/SidecarTests/SplitsPatchReaderTests.swift).
struct SplitsPatchReader {
    private let bytes: UnsafeRawBufferPointer
    private var at = 0

    private init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// The patch in `bytes`, or nil when the body is not of the shape above.
    static func patch(from bytes: UnsafeRawBufferPointer) -> SidecarConfigPatch? {
        var reader = SplitsPatchReader(bytes)
        guard let patch = reader.patch() else { return nil }
        reader.skipSpace()
        return reader.at == bytes.count ? patch : nil
    }

    private mutating func patch() -> SidecarConfigPatch? {
        var base: String?
        var version: String?
        var splits: [TrafficSplitConfig]?
        let read = object { reader, key in
            switch key {
            case "base" where base == nil: base = reader.string(); return base != nil
            case "version" where version == nil: version = reader.string(); return version != nil
            case "splits" where splits == nil: splits = reader.array { $0.split() }; return splits != nil
            default: return false
            }
        }
        guard read, let base, let version else { return nil }
        return SidecarConfigPatch(base: base, version: version, splits: splits)
    }

    private mutating func split() -> TrafficSplitConfig? {
        var name: String?
        var root: String?
        var backends: [TrafficSplitConfig.Backend]?
        var matches = false
        let read = object { reader, key in
            switch key {
            case "name" where name == nil: name = reader.string(); return name != nil
            case "rootService" where root == nil: root = reader.string(); return root != nil
            case "backends" where backends == nil: backends = reader.array { $0.backend() }; return backends != nil
            // What the operator's encoder writes for a split without matches: an empty list, the default.
            case "matches" where !matches: matches = true; return reader.emptyArray()
            default: return false
            }
        }
        guard read, let name, let root, let backends else { return nil }
        return TrafficSplitConfig(name: name, rootService: root, backends: backends)
    }

    private mutating func backend() -> TrafficSplitConfig.Backend? {
        var service: String?
        var weight: Int?
        let read = object { reader, key in
            switch key {
            case "service" where service == nil: service = reader.string(); return service != nil
            case "weight" where weight == nil: weight = reader.integer(); return weight != nil
            default: return false
            }
        }
        guard read, let service, let weight else { return nil }
        return .init(service: service, weight: weight)
    }

    // MARK: - JSON pieces

    /// `{` member (`,` member)* `}`: `member` reads each member's value after its key, false to give up (a key it
    /// does not know, or twice). `{}` is given up on too: every object here has required fields.
    private mutating func object(_ member: (inout Self, String) -> Bool) -> Bool {
        guard enterObject(), !leave(UInt8(ascii: "}")) else { return false }
        repeat {
            guard let key = key(), member(&self, key) else { return false }
        } while more()
        return leave(UInt8(ascii: "}"))
    }

    /// `[` element (`,` element)* `]`, or `[]`.
    private mutating func array<Element>(_ element: (inout Self) -> Element?) -> [Element]? {
        skipSpace()
        guard next(UInt8(ascii: "[")) else { return nil }
        var elements: [Element] = []
        if leave(UInt8(ascii: "]")) { return elements }
        repeat {
            guard let value = element(&self) else { return nil }
            elements.append(value)
        } while more()
        return leave(UInt8(ascii: "]")) ? elements : nil
    }

    private mutating func emptyArray() -> Bool {
        skipSpace()
        return next(UInt8(ascii: "[")) && leave(UInt8(ascii: "]"))
    }

    private mutating func enterObject() -> Bool {
        skipSpace()
        return next(UInt8(ascii: "{"))
    }

    /// A member's key and the colon after it.
    private mutating func key() -> String? {
        guard let key = string() else { return nil }
        skipSpace()
        return next(UInt8(ascii: ":")) ? key : nil
    }

    /// Whether a comma follows (another member or element); false leaves the closing byte for `leave`.
    private mutating func more() -> Bool {
        skipSpace()
        return next(UInt8(ascii: ","))
    }

    /// Takes `byte` (after whitespace) if it comes next.
    private mutating func leave(_ byte: UInt8) -> Bool {
        skipSpace()
        return next(byte)
    }

    private mutating func next(_ byte: UInt8) -> Bool {
        guard at < bytes.count, bytes[at] == byte else { return false }
        at += 1
        return true
    }

    /// A string of printable ASCII without escapes (what names and versions are); nil for anything else.
    private mutating func string() -> String? {
        skipSpace()
        guard next(UInt8(ascii: "\"")) else { return nil }
        let start = at
        while at < bytes.count {
            let byte = bytes[at]
            if byte == UInt8(ascii: "\"") {
                at += 1
                return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<(at - 1)]), as: UTF8.self)
            }
            guard byte >= 0x20, byte < 0x7F, byte != UInt8(ascii: "\\") else { return nil }
            at += 1
        }
        return nil
    }

    /// `-`? followed by `0` or up to 18 digits not starting with `0`, not followed by a fraction or exponent: a
    /// number `JSONDecoder` reads as this `Int`. Nil for anything else.
    private mutating func integer() -> Int? {
        skipSpace()
        let negative = next(UInt8(ascii: "-"))
        let start = at
        var value = 0
        while at < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[at]), at - start < 18 {
            value = value * 10 + Int(bytes[at] - UInt8(ascii: "0"))
            at += 1
        }
        let digits = at - start
        guard digits > 0, digits == 1 || bytes[start] != UInt8(ascii: "0"), !(negative && value == 0) else { return nil }
        if at < bytes.count {
            switch bytes[at] {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): return nil
            default: break
            }
        }
        return negative ? -value : value
    }

    private mutating func skipSpace() {
        while at < bytes.count {
            switch bytes[at] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): at += 1
            default: return
            }
        }
    }
}
