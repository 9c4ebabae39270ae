import Foundation

/// Unbuffered output lines: a parent process (the operator, a test) reads "listening on …" the moment it is written,
/// whether stdout is a terminal or a pipe.
enum Console {
    static func out(_ line: String, terminator: String = "\n") {
        do {
            try FileHandle.standardOutput.write(contentsOf: Data((line + terminator).utf8))
        } catch {
            readerWentAway()
        }
    }

    static func err(_ line: String) {
        try? FileHandle.standardError.write(contentsOf: Data((line + "\n").utf8))
    }

    /// The reader closed its end (`meshctl logs web | head -2`): end as `cat` does there, by SIGPIPE, quietly (the
    /// runtime ignores SIGPIPE, and Foundation's non-throwing `write` turned the EPIPE into a crash with a backtrace).
    private static func readerWentAway() -> Never {
        signal(SIGPIPE, SIG_DFL)
        raise(SIGPIPE)
        exit(141)
    }
}
