/// A minimal reader of the Prometheus text format, enough for the sidecars' own `/metrics`: one sample per line,
/// `name{label="value",...} number`. Comments and malformed lines are skipped.
struct PrometheusSample: Sendable, Hashable {
    var name: String
    var labels: [String: String]
    var value: Double

    static func parse(_ text: String) -> [PrometheusSample] {
        var samples: [PrometheusSample] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            let head = line[..<space]
            guard let brace = head.firstIndex(of: "{") else {
                samples.append(PrometheusSample(name: String(head), labels: [:], value: value))
                continue
            }
            var labels: [String: String] = [:]
            let body = head[head.index(after: brace)...].dropLast()  // without the closing brace
            var rest = Substring(body)
            while let equals = rest.firstIndex(of: "=") {
                let key = rest[..<equals].trimmingCharacters(in: ",")
                let afterEquals = rest[rest.index(after: equals)...]
                guard afterEquals.first == "\"" else { break }
                let valueStart = afterEquals.index(after: afterEquals.startIndex)
                guard let quote = afterEquals[valueStart...].firstIndex(of: "\"") else { break }
                labels[key] = String(afterEquals[valueStart..<quote])
                rest = afterEquals[afterEquals.index(after: quote)...]
            }
            samples.append(PrometheusSample(name: String(head[..<brace]), labels: labels, value: value))
        }
        return samples
    }
}

extension Substring {
    fileprivate func trimmingCharacters(in character: Character) -> String {
        String(drop { $0 == character })
    }
}
