import Foundation
import GRDB

/// JSON as the store keeps it: TEXT columns, so that `sqlite3 state.sqlite` shows readable rows.
enum JSONText {
    static func text(_ data: Data) -> String? {
        String(data: data, encoding: .utf8)
    }

    static func data(_ text: String) -> Data {
        Data(text.utf8)
    }

    /// Why `data` is not a JSON object, or nil when it is. Uses SQLite's own JSON parser.
    static func problem(ofObject data: Data, in db: Database) throws -> String? {
        guard let text = text(data) else { return "not UTF-8" }
        let type = try String.fetchOne(
            db,
            sql: "SELECT CASE WHEN json_valid(?1) THEN json_type(?1) ELSE 'invalid' END",
            arguments: [text]
        )
        switch type {
        case "object": return nil
        case "invalid", nil: return "not valid JSON"
        case let other?: return "a JSON \(other), not an object"
        }
    }

    /// Labels and annotations: sorted keys, so equal maps store equal text.
    static func encode(_ map: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a [String: String] cannot fail.
        let data = (try? encoder.encode(map)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func decodeMap(_ text: String) -> [String: String] {
        (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }
}
