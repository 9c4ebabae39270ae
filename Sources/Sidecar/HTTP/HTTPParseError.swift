/// Why a head was refused; each maps to the status a client gets (or 502 for an upstream).
enum HTTPParseError: Error, Equatable {
    case badRequestLine
    case badStatusLine
    case unsupportedVersion
    case requestLineTooLong
    case headTooLarge
    case tooManyFields
    case badFieldName
    case whitespaceBeforeColon
    case obsFold
    case badFieldValue
    case badContentLength
    case contentLengthAndTransferEncoding
    case transferEncodingNotChunked
    case unknownTransferCoding
    case transferEncodingInHTTP10
    case missingHost
    case duplicateHost
    case badHost
    case badChunk

    /// The status a client receives when its request has this fault.
    var status: Int {
        switch self {
        case .requestLineTooLong: 414
        case .headTooLarge, .tooManyFields: 431
        case .unknownTransferCoding: 501
        case .unsupportedVersion: 505
        default: 400
        }
    }

    /// A short reason for the `x-mesh-reason` header and logs.
    var reason: String {
        switch self {
        case .badRequestLine: "bad-request-line"
        case .badStatusLine: "bad-status-line"
        case .unsupportedVersion: "unsupported-version"
        case .requestLineTooLong: "request-line-too-long"
        case .headTooLarge: "header-section-too-large"
        case .tooManyFields: "too-many-fields"
        case .badFieldName: "bad-field-name"
        case .whitespaceBeforeColon: "whitespace-before-colon"
        case .obsFold: "obs-fold"
        case .badFieldValue: "bad-field-value"
        case .badContentLength: "bad-content-length"
        case .contentLengthAndTransferEncoding: "content-length-and-transfer-encoding"
        case .transferEncodingNotChunked: "transfer-encoding-not-chunked"
        case .unknownTransferCoding: "unknown-transfer-coding"
        case .transferEncodingInHTTP10: "transfer-encoding-in-http10"
        case .missingHost: "missing-host"
        case .duplicateHost: "duplicate-host"
        case .badHost: "bad-host"
        case .badChunk: "bad-chunk"
        }
    }
}
