import CYaml

/// The one file that talks to libyaml: turns its C event stream into Swift `YAMLEvent`s.
///
/// libyaml keeps a pointer to the parser struct inside itself (`read_handler_data`), so the struct lives in memory
/// we allocate and never move; both it and the input copy are released in `deinit`.
final class LibYAMLParser {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>
    private var finished = false

    init(bytes: [UInt8]) {
        parser = .allocate(capacity: 1)
        input = .allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        yaml_parser_initialize(parser)
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// The next event, or nil after the stream has ended.
    func next() throws(YAMLSyntaxError) -> YAMLEvent? {
        if finished { return nil }
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else {
            finished = true
            throw currentError()
        }
        defer { yaml_event_delete(&event) }
        let mark = Mark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        switch event.type {
        case YAML_STREAM_START_EVENT:
            return .streamStart
        case YAML_STREAM_END_EVENT:
            finished = true
            return .streamEnd
        case YAML_DOCUMENT_START_EVENT:
            return .documentStart(mark)
        case YAML_DOCUMENT_END_EVENT:
            return .documentEnd
        case YAML_ALIAS_EVENT:
            return .alias(anchor: string(event.data.alias.anchor) ?? "", mark)
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let text: String
            if let value = s.value {
                text = String(decoding: UnsafeBufferPointer(start: value, count: Int(s.length)), as: UTF8.self)
            } else {
                text = ""
            }
            let scalar = Scalar(text, style: style(s.style))
            // A plain scalar with no explicit tag has `plain_implicit` set; the tag libyaml reports then is absent.
            let tag = s.plain_implicit == 1 || s.quoted_implicit == 1 ? nil : string(s.tag)
            return .scalar(scalar, anchor: string(s.anchor), tag: tag, mark)
        case YAML_SEQUENCE_START_EVENT:
            let s = event.data.sequence_start
            return .sequenceStart(anchor: string(s.anchor), tag: s.implicit == 1 ? nil : string(s.tag), mark)
        case YAML_SEQUENCE_END_EVENT:
            return .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            let m = event.data.mapping_start
            return .mappingStart(anchor: string(m.anchor), tag: m.implicit == 1 ? nil : string(m.tag), mark)
        case YAML_MAPPING_END_EVENT:
            return .mappingEnd
        default:
            return .streamStart  // YAML_NO_EVENT: never produced by a successful parse; harmless to skip.
        }
    }

    private func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    private func style(_ style: yaml_scalar_style_t) -> Scalar.Style {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: return .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: return .literal
        case YAML_FOLDED_SCALAR_STYLE: return .folded
        default: return .plain
        }
    }

    /// libyaml's error, with its position. Reader errors (bad encoding, control characters) carry a byte offset
    /// instead of a mark; the caller converts it, because only it has the bytes.
    private func currentError() -> YAMLSyntaxError {
        let p = parser.pointee
        let problem = p.problem.map { String(cString: $0) } ?? "invalid YAML"
        if p.error == YAML_READER_ERROR {
            return YAMLSyntaxError(
                problem: problem, mark: nil, byteOffset: Int(p.problem_offset), byteValue: Int(p.problem_value),
                context: nil)
        }
        if p.error == YAML_MEMORY_ERROR {
            return YAMLSyntaxError(problem: "out of memory", mark: Mark(line: 1, column: 1), context: nil)
        }
        let mark = Mark(line: Int(p.problem_mark.line) + 1, column: Int(p.problem_mark.column) + 1)
        var context: (String, Mark)?
        if let c = p.context {
            context = (
                String(cString: c),
                Mark(line: Int(p.context_mark.line) + 1, column: Int(p.context_mark.column) + 1)
            )
        }
        return YAMLSyntaxError(problem: problem, mark: mark, context: context)
    }
}

/// One parse event, already in Swift types and 1-based marks.
enum YAMLEvent {
    case streamStart
    case streamEnd
    case documentStart(Mark)
    case documentEnd
    case alias(anchor: String, Mark)
    case scalar(Scalar, anchor: String?, tag: String?, Mark)
    case sequenceStart(anchor: String?, tag: String?, Mark)
    case sequenceEnd
    case mappingStart(anchor: String?, tag: String?, Mark)
    case mappingEnd
}

/// What libyaml said was wrong, before it is turned into a `Diagnostic`.
struct YAMLSyntaxError: Error {
    var problem: String
    /// nil for reader errors, which carry `byteOffset` instead.
    var mark: Mark?
    var byteOffset: Int = 0
    var byteValue: Int = -1
    var context: (String, Mark)?
}
