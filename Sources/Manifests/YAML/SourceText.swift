/// Maps between byte offsets and the line:column marks users see, counting columns in characters as libyaml does.
struct SourceText {
    let bytes: [UInt8]

    /// The mark of a byte offset (used for libyaml's reader errors, which report offsets only).
    func mark(ofByteOffset offset: Int) -> Mark {
        var line = 1
        var column = 1
        var index = 0
        let end = min(offset, bytes.count)
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1  // continuation bytes belong to the character already counted
            }
            index += 1
        }
        return Mark(line: line, column: column)
    }

    /// The character at a mark, if the mark is inside the text.
    func character(at mark: Mark) -> Character? {
        var line = 1
        var index = 0
        while line < mark.line && index < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") { line += 1 }
            index += 1
        }
        var column = 1
        while column < mark.column && index < bytes.count && bytes[index] != UInt8(ascii: "\n") {
            index += 1
            while index < bytes.count && bytes[index] & 0xC0 == 0x80 { index += 1 }
            column += 1
        }
        guard index < bytes.count else { return nil }
        return Character(Unicode.Scalar(bytes[index]))
    }
}
