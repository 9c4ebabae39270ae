/// A request to the operator API, fully read (requests are small: manifests are bounded by the YAML limits).
public struct APIRequest: Sendable, Hashable {
    public var method: String
    /// The path without the query.
    public var path: String
    public var query: [String: String]
    public var body: [UInt8]
    /// The `Authorization` field, for the one route that checks a token (self-registration over TCP).
    public var authorization: String?

    public init(method: String, path: String, query: [String: String] = [:], body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.body = body
    }

    /// Splits `/v1/objects?kind=Service` into path and query.
    public init(method: String, target: String, body: [UInt8] = []) {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var query: [String: String] = [:]
        if parts.count == 2 {
            for item in parts[1].split(separator: "&") {
                let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let key = String(pair[0]).percentDecoded ?? String(pair[0])
                let value = pair.count > 1 ? (String(pair[1]).percentDecoded ?? String(pair[1])) : ""
                query[key] = value
            }
        }
        self.init(method: method, path: String(parts.first ?? ""), query: query, body: body)
    }
}

/// A whole response.
public struct APIResponse: Sendable, Hashable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]

    public init(status: Int, contentType: String = "application/json", body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    public init(status: Int, json: String) {
        self.init(status: status, body: Array(json.utf8))
    }
}

/// What a handler answers: a whole response, or a stream of lines (newline-delimited JSON for watches), sent
/// chunked until the stream ends or the client goes away.
public enum APIReply: Sendable {
    case whole(APIResponse)
    case lines(AsyncStream<String>)
}

/// Serves API requests; the operator implements it over its store.
public protocol APIHandler: Sendable {
    func handle(_ request: APIRequest) async -> APIReply
}

extension String {
    /// Decodes `%XX` escapes (and `+` as space); nil when an escape is malformed.
    var percentDecoded: String? {
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "%"):
                guard let high = iterator.next(), let low = iterator.next(),
                      let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else { return nil }
                bytes.append(value)
            case UInt8(ascii: "+"):
                bytes.append(UInt8(ascii: " "))
            default:
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
