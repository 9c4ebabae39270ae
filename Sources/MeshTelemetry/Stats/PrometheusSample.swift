/// A minimal reader of the Prometheus text format, enough for the sidecars' own `/metrics`: one sample per line,
/// `name{label="value",...} number`. Comments and malformed lines are skipped.
public struct PrometheusSample: Sendable, Hashable {
    public var name: String
    public var labels: [String: String]
    public var value: Double

    public static func parse(_ text: String) -> [PrometheusSample] {
        var samples: [PrometheusSample] = []
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            while start < bytes.count {
                let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
                if let sample = parse(line: UnsafeBufferPointer(rebasing: bytes[start..<newline])) { samples.append(sample) }
                start = newline + 1
            }
        }
        return samples
    }

    /// One line, on its bytes: `meshctl stat` reads ~1,000 lines per proxy of a large mesh, and walking them as
    /// `Character`s cost more than everything else it does.
    static func parse(line: UnsafeBufferPointer<UInt8>) -> PrometheusSample? {
        let space = UInt8(ascii: " "), brace = UInt8(ascii: "{"), equals = UInt8(ascii: "=")
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ",")
        guard let first = line.first, first != UInt8(ascii: "#"), let lastSpace = line.lastIndex(of: space),
              let value = Double(String(decoding: UnsafeBufferPointer(rebasing: line[(lastSpace + 1)...]), as: UTF8.self))
        else { return nil }
        func text(_ range: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: line[range]), as: UTF8.self) }
        guard let open = line[..<lastSpace].firstIndex(of: brace) else {
            return PrometheusSample(name: text(0..<lastSpace), labels: [:], value: value)
        }
        var labels: [String: String] = [:]
        var cursor = open + 1
        while cursor < lastSpace, let equal = line[cursor..<lastSpace].firstIndex(of: equals) {
            var keyStart = cursor
            while keyStart < equal && line[keyStart] == comma { keyStart += 1 }
            guard equal + 1 < lastSpace, line[equal + 1] == quote,
                  let close = line[(equal + 2)..<lastSpace].firstIndex(of: quote)
            else { break }
            labels[text(keyStart..<equal)] = text((equal + 2)..<close)
            cursor = close + 1
        }
        return PrometheusSample(name: text(0..<open), labels: labels, value: value)
    }
}
