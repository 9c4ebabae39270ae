import Foundation
import Synchronization

/// The JSON a compile encoded last time, by key, kept while the value it came from is unchanged.
///
/// A configuration's version is a digest of its JSON, and at 201 proxies encoding every proxy's own part and the
/// shared tables on every pass was most of a compile (~40 % of its samples). A weight change alters the splits
/// only: every other part compares equal to last pass's value, and equality is far cheaper than encoding.
/// One memo lives as long as the operator's loop; entries a compile did not ask for are dropped at its end.
public final class EncodingMemo: Sendable {
    private struct Entry: @unchecked Sendable {  // the value is one of the compile's Sendable, Hashable types
        var value: AnyHashable
        var json: String
    }

    private let state = Mutex<(entries: [String: Entry], used: Set<String>)>(([:], []))

    public init() {}

    /// The sorted-keys JSON of `value`, reused when `key` last held an equal value.
    func json<Value: Encodable & Hashable & Sendable>(_ key: String, _ value: Value) -> String {
        let remembered = state.withLock { state -> String? in
            state.used.insert(key)
            guard let entry = state.entries[key], entry.value == AnyHashable(value) else { return nil }
            return entry.json
        }
        if let remembered { return remembered }
        let json = Self.encode(value)
        state.withLock { $0.entries[key] = Entry(value: AnyHashable(value), json: json) }
        return json
    }

    /// Forgets every key the compile that just ended did not ask for (proxies and tables that are gone).
    func sweep() {
        state.withLock { state in
            state.entries = state.entries.filter { state.used.contains($0.key) }
            state.used.removeAll(keepingCapacity: true)
        }
    }

    static func encode<Value: Encodable>(_ value: Value) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }
}
