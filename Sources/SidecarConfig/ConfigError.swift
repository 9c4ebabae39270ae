/// Why a configuration was rejected: every problem found, each with the field path it concerns.
public struct ConfigError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// Like `services[1].endpoints[0]`.
        public var path: String
        public var message: String

        public init(path: String, message: String) {
            self.path = path
            self.message = message
        }

        init(decoding error: DecodingError) {
            func render(_ keys: [any CodingKey]) -> String {
                var out = ""
                for key in keys {
                    if let index = key.intValue {
                        out += "[\(index)]"
                    } else {
                        out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
                    }
                }
                return out
            }
            switch error {
            case .keyNotFound(let key, let context):
                self.init(path: render(context.codingPath + [key]), message: "required field is missing")
            case .typeMismatch(let type, let context):
                self.init(path: render(context.codingPath), message: "expected \(type)")
            case .valueNotFound(let type, let context):
                self.init(path: render(context.codingPath), message: "expected \(type), got null")
            case .dataCorrupted(let context):
                let underlying = context.underlyingError.map { " (\($0))" } ?? ""
                self.init(path: render(context.codingPath), message: context.debugDescription + underlying)
            @unknown default:
                self.init(path: "", message: "\(error)")
            }
        }

        public var description: String { path.isEmpty ? message : "\(path): \(message)" }
    }

    public var problems: [Problem]

    public init(problems: [Problem]) { self.problems = problems }

    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
