/// A DNS message (RFC 1035 §4.1) as far as the mesh's name server needs it: one question in, records out.
public struct DNSMessage: Sendable, Hashable {
    public var id: UInt16
    public var isResponse: Bool
    public var opcode: UInt8
    public var isAuthoritative: Bool
    public var isTruncated: Bool
    public var recursionDesired: Bool
    public var recursionAvailable: Bool
    public var responseCode: DNSResponseCode
    public var questions: [DNSQuestion]
    public var answers: [DNSRecord]
    public var additionals: [DNSRecord]
    /// The UDP payload size the client's EDNS(0) OPT record advertises (RFC 6891); nil without one.
    public var ednsPayloadSize: Int?

    public init(id: UInt16, isResponse: Bool = false, opcode: UInt8 = 0, isAuthoritative: Bool = false,
                isTruncated: Bool = false, recursionDesired: Bool = false, recursionAvailable: Bool = false,
                responseCode: DNSResponseCode = .noError, questions: [DNSQuestion] = [], answers: [DNSRecord] = [],
                additionals: [DNSRecord] = [], ednsPayloadSize: Int? = nil) {
        self.id = id
        self.isResponse = isResponse
        self.opcode = opcode
        self.isAuthoritative = isAuthoritative
        self.isTruncated = isTruncated
        self.recursionDesired = recursionDesired
        self.recursionAvailable = recursionAvailable
        self.responseCode = responseCode
        self.questions = questions
        self.answers = answers
        self.additionals = additionals
        self.ednsPayloadSize = ednsPayloadSize
    }
}

public enum DNSResponseCode: UInt8, Sendable, Hashable {
    case noError = 0
    case formatError = 1
    case serverFailure = 2
    case nameError = 3
    case notImplemented = 4
    case refused = 5
}

public enum DNSType: Sendable, Hashable {
    case a, aaaa, srv, opt, any
    case other(UInt16)

    public init(code: UInt16) {
        switch code {
        case 1: self = .a
        case 28: self = .aaaa
        case 33: self = .srv
        case 41: self = .opt
        case 255: self = .any
        default: self = .other(code)
        }
    }

    public var code: UInt16 {
        switch self {
        case .a: 1
        case .aaaa: 28
        case .srv: 33
        case .opt: 41
        case .any: 255
        case .other(let code): code
        }
    }
}

public struct DNSQuestion: Sendable, Hashable {
    /// Lower-cased labels, without the root: `["web", "service", "mesh"]`.
    public var labels: [String]
    public var type: DNSType
    public var classCode: UInt16

    public init(labels: [String], type: DNSType, classCode: UInt16 = 1) {
        self.labels = labels
        self.type = type
        self.classCode = classCode
    }
}

public struct DNSRecord: Sendable, Hashable {
    public enum Data: Sendable, Hashable {
        case a([UInt8])
        case aaaa([UInt8])
        case srv(priority: UInt16, weight: UInt16, port: UInt16, target: [String])
    }

    public var labels: [String]
    public var ttl: UInt32
    public var data: Data

    public init(labels: [String], ttl: UInt32, data: Data) {
        self.labels = labels
        self.ttl = ttl
        self.data = data
    }

    var type: DNSType {
        switch data {
        case .a: .a
        case .aaaa: .aaaa
        case .srv: .srv
        }
    }
}
