import ArgumentParser
import ProxyCommand

extension Meshctl {
    /// `meshctl proxy`: the sidecar proxy, from a configuration file (operator mode) or quick flags. The flags and
    /// the serving live in `ProxyOptions`, shared with the lean `mesh-proxy` executable.
    struct Proxy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the sidecar HTTP/1.1 proxy.",
            discussion: ProxyOptions.discussion)

        @OptionGroup var options: ProxyOptions

        func run() async throws {
            try await options.run()
        }
    }
}
