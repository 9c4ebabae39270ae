import ArgumentParser
import ProxyCommand

/// `mesh-proxy`: the sidecar proxy alone, the same flags as `meshctl proxy`. The operator runs it when it sits next
/// to `meshctl`, because it does not link the operator's modules (SQLite, process supervision, lifecycle) and so
/// idles in less memory (figures in docs/performance.md).
@main
struct MeshProxy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mesh-proxy",
        abstract: "Run the sidecar HTTP/1.1 proxy.",
        discussion: ProxyOptions.discussion)

    @OptionGroup var options: ProxyOptions

    func run() async throws {
        try await options.run()
    }
}
