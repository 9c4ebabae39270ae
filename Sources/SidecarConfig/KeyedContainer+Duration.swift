import DurationText

/// Durations in a sidecar configuration are `Swift.Duration`, written as the mesh's one grammar in its canonical
/// spelling (`"1m30s"`, `"250ms"`) so that `GET /config` reads like the manifests it came from. Reading also takes a
/// bare JSON number of milliseconds, as docs/sidecar.md has always promised hand-written configurations.
extension KeyedDecodingContainer {
    func decodeDuration(forKey key: Key) throws -> Duration {
        let expected = "expected a duration such as \"500ms\", \"1.5s\" or \"1m30s\""
        if let milliseconds = try? decode(Int64.self, forKey: key) {
            guard milliseconds >= 0, milliseconds <= Duration.maximumMilliseconds else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: self,
                    debugDescription: "\(expected), or a number of milliseconds from 0 to \(Duration.maximumMilliseconds)")
            }
            return .milliseconds(milliseconds)
        }
        let text: String
        do {
            text = try decode(String.self, forKey: key)
        } catch DecodingError.typeMismatch {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "\(expected), or a number of milliseconds")
        }
        do {
            return try Duration(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "\(expected), got \"\(text)\" (\(error))")
        }
    }

    /// nil when the key is absent or null.
    func decodeDurationIfPresent(forKey key: Key) throws -> Duration? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeDuration(forKey: key)
    }
}

extension KeyedEncodingContainer {
    mutating func encodeDuration(_ duration: Duration, forKey key: Key) throws {
        try encode(duration.canonicalText, forKey: key)
    }

    /// Leaves the key out for nil.
    mutating func encodeDurationIfPresent(_ duration: Duration?, forKey key: Key) throws {
        if let duration { try encodeDuration(duration, forKey: key) }
    }
}
