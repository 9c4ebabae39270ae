import Foundation
import SidecarConfig

/// Encodes the `PATCH /config` bodies of one push. A weight change gives every proxy that carries the split the same
/// new `splits`; what differs between their patches is only `base` and `version`, two short strings. So each table
/// a patch carries is encoded once per distinct value and the same bytes are spliced into every proxy's body after its
/// own two strings: at 201 proxies, one encoding of the splits instead of 201 (encoding every proxy's patch whole was
/// most of a push's time before its first byte was sent, session 12's trace).
struct PatchEncoder {
    /// Recent distinct values of each table and their JSON: a push has one or a few (a registration's services
    /// differ only where a proxy's own local service does), so the search stays short.
    private var memo: [String: [(value: AnyHashable, json: [UInt8])]] = [:]
    private static let remembered = 8

    /// The body of `patch`: what `JSONEncoder().encode(patch)` gives, field for field.
    mutating func body(for patch: SidecarConfigPatch) -> Data {
        var bytes: [UInt8] = Array("{\"base\":".utf8)
        Self.appendString(patch.base, to: &bytes)
        bytes += Array(",\"version\":".utf8)
        Self.appendString(patch.version, to: &bytes)
        append("splits", patch.splits, to: &bytes)
        append("retryPolicies", patch.retryPolicies, to: &bytes)
        append("services", patch.services, to: &bytes)
        append("removedServices", patch.removedServices, to: &bytes)
        append("serviceOrder", patch.serviceOrder, to: &bytes)
        bytes.append(UInt8(ascii: "}"))
        return Data(bytes)
    }

    private mutating func append<Value: Encodable & Hashable>(_ key: String, _ value: Value?, to bytes: inout [UInt8]) {
        guard let value else { return }
        bytes += Array(",\"\(key)\":".utf8)
        let boxed = AnyHashable(value)
        if let known = memo[key]?.first(where: { $0.value == boxed }) {
            bytes += known.json
            return
        }
        let json = (try? JSONEncoder().encode(value)).map(Array.init) ?? Array("null".utf8)
        var recent = memo[key] ?? []
        if recent.count == Self.remembered { recent.removeFirst() }
        recent.append((boxed, json))
        memo[key] = recent
        bytes += json
    }

    /// `text` as a JSON string literal.
    static func appendString(_ text: String, to bytes: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes += [UInt8(ascii: "\\"), byte]
            case 0..<0x20:
                bytes += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xf)]]
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
