import Foundation

/// Unbuffered output lines: a parent process (the operator, a test) reads "listening on …" the moment it is written,
/// whether stdout is a terminal or a pipe.
enum Console {
    static func out(_ line: String, terminator: String = "\n") {
        FileHandle.standardOutput.write(Data((line + terminator).utf8))
    }

    static func err(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
