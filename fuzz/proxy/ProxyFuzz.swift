// libFuzzer entry point for the sidecar's HTTP/1.1 head parser and body framer. Compiled together with the
// dependency-free sources of Sources/Sidecar/HTTP by fuzz/proxy/run.sh (one module, no `import`).
//
// Input layout: byte 0 picks the mode (request/response head, framing), byte 1 a split point; the rest is the
// message. Every input must come back as complete/incomplete/failure, never a crash, trap or out-of-bounds read,
// and these invariants must hold (a violation traps, so libFuzzer records it):
// - a complete head lies within the bytes, and every field range within the head;
// - a head split in two parses the same as whole: an early check may never refuse a prefix of a valid head;
// - the framer never claims more bytes than it was given, and feeding bytes in two parts claims the same total.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 2 else { return 0 }
    let mode = data[0]
    let split = Int(data[1])
    let message = Array(UnsafeBufferPointer(start: data + 2, count: size - 2))
    let kind: HTTPHeadParser.Kind = mode & 1 == 0 ? .request : .response
    var limits = HTTPHeadParser.Limits()
    if mode & 2 != 0 {
        // Small limits reach the 414/431 paths with short inputs.
        limits.maxStartLine = 64
        limits.maxHeadSize = 256
        limits.maxFields = 4
    }
    FuzzChecks.head(message, kind: kind, limits: limits, split: split)
    FuzzChecks.body(message, framingSelector: mode >> 2, split: split)
    return 0
}

enum FuzzChecks {
    static func head(_ message: [UInt8], kind: HTTPHeadParser.Kind, limits: HTTPHeadParser.Limits, split: Int) {
        var parser = HTTPHeadParser(kind: kind, limits: limits)
        var head = HTTPHead()
        let whole = message.withUnsafeBytes { parser.parse($0, into: &head) }
        if whole == .complete {
            precondition(head.length > 0 && head.length <= message.count)
            precondition(head.startLineEnd <= head.length)
            for field in head.fields {
                precondition(field.lineStart >= head.startLineEnd && field.lineEnd <= head.length)
                precondition(field.lineStart + field.nameLength <= field.valueStart)
                precondition(field.valueStart <= field.valueEnd && field.valueEnd <= field.lineEnd)
            }
            if let length = head.contentLength { precondition(length >= 0) }
        }
        // The same bytes in two reads: the prefix must not decide differently from the whole.
        guard split > 0, split < message.count else { return }
        var incremental = HTTPHeadParser(kind: kind, limits: limits)
        var head2 = HTTPHead()
        let first = Array(message[..<split]).withUnsafeBytes { incremental.parse($0, into: &head2) }
        if first == .complete {
            // The head ended within the prefix, so the whole must agree.
            precondition(whole == .complete && head2.length == head.length)
            return
        }
        if case .failure = first {
            // Refusing early is fine only when the whole would be refused too.
            if whole == .complete { preconditionFailure("prefix refused, whole accepted") }
            return
        }
        let second = message.withUnsafeBytes { incremental.parse($0, into: &head2) }
        if whole == .complete {
            precondition(second == .complete, "split parse disagrees")
            precondition(head2.length == head.length && head2.fields.count == head.fields.count)
            precondition(head2.contentLength == head.contentLength && head2.chunked == head.chunked)
        }
    }

    static func body(_ message: [UInt8], framingSelector: UInt8, split: Int) {
        let framing: HTTPHead.BodyFraming
        switch framingSelector % 4 {
        case 0: framing = .chunked
        case 1: framing = .contentLength(split)
        case 2: framing = .untilClose
        default: framing = .none
        }
        var whole = BodyFramer(framing)
        var wholeCount = -1
        do {
            wholeCount = try message.withUnsafeBytes { try whole.consume($0) }
            precondition(wholeCount >= 0 && wholeCount <= message.count)
        } catch {
            wholeCount = -1
        }
        guard split <= message.count else { return }
        var parts = BodyFramer(framing)
        do {
            let a = try Array(message[..<split]).withUnsafeBytes { try parts.consume($0) }
            precondition(a <= split)
            var total = a
            if a == split && !parts.isDone {
                let b = try Array(message[split...]).withUnsafeBytes { try parts.consume($0) }
                precondition(b <= message.count - split)
                total += b
            }
            if wholeCount >= 0 {
                precondition(total == wholeCount, "framer disagrees when bytes arrive in two parts")
                precondition(parts.isDone == whole.isDone)
            }
        } catch {
            // An error in parts must be an error in the whole too (or lie beyond where the whole stopped).
            precondition(wholeCount < 0 || whole.isDone, "framer refuses split input it accepts whole")
        }
    }
}
