/// What to start: the command line, its environment and directory, and where its output goes.
public struct ProcessSpec: Sendable, Hashable, Codable {
    /// `arguments[0]` is the program: a path if it contains `/`, else looked up in `PATH`.
    public var arguments: [String]
    /// Variables set for the process (on top of the operator's own when `inheritEnvironment`).
    public var environment: [String: String]
    /// Start from the operator's environment; workloads need `PATH`, `HOME` and the like.
    public var inheritEnvironment: Bool
    /// Where the process starts; nil: the operator's directory.
    public var workingDirectory: String?
    /// The file that stdout and stderr are appended to (created, with its directory, if missing).
    public var logPath: String
    /// A listening socket the process gets as its standard input (fd 0), as inetd and systemd's `StandardInput=socket`
    /// hand one over; nil: stdin is /dev/null. The caller keeps its own descriptor open (it outlives the process, so
    /// the kernel queues connections while no process accepts). Not part of `commandHash`: which open socket a
    /// process inherits is not what it runs.
    public var listeningSocket: Int32?

    public init(
        arguments: [String],
        environment: [String: String] = [:],
        inheritEnvironment: Bool = true,
        workingDirectory: String? = nil,
        logPath: String,
        listeningSocket: Int32? = nil
    ) {
        self.arguments = arguments
        self.environment = environment
        self.inheritEnvironment = inheritEnvironment
        self.workingDirectory = workingDirectory
        self.logPath = logPath
        self.listeningSocket = listeningSocket
    }

    /// A hash of what the process runs (arguments, environment, directory; not the log path): a running process whose
    /// recorded hash differs from the desired spec's must be replaced. FNV-1a, 64 bits, as 16 hex digits: stable
    /// across runs and builds (unlike `Hasher`), and a collision costs at worst a missed restart.
    public var commandHash: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ string: String) {
            for byte in string.utf8 {
                hash ^= UInt64(byte)
                hash &*= 0x0000_0100_0000_01b3
            }
            // A separator byte that cannot occur in a String's UTF-8, so ["ab"] and ["a", "b"] differ.
            hash ^= 0xff
            hash &*= 0x0000_0100_0000_01b3
        }
        mix("argv")
        arguments.forEach(mix)
        mix(inheritEnvironment ? "env+inherit" : "env")
        for (key, value) in environment.sorted(by: { $0.key < $1.key }) {
            mix(key)
            mix(value)
        }
        mix("cwd")
        mix(workingDirectory ?? "")
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
