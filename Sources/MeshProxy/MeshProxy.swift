import ArgumentParser
import ProxyCommand

/// `mesh-proxy`: the sidecar proxy alone, the same flags as `meshctl proxy`. The operator runs it when it sits next
/// to `meshctl`, because it does not link the operator's modules (SQLite, process supervision, lifecycle) and so
/// idles in less memory (figures in docs/performance.md).
///
/// A synchronous command on purpose: its main thread blocks until the proxy stops instead of exiting as an async
/// main's does, which would map the unwinder's tables (`ProxyOptions.runOnMainThread`).
@main
struct MeshProxy: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mesh-proxy",
        abstract: "Run the sidecar HTTP/1.1 proxy.",
        discussion: ProxyOptions.discussion)

    @OptionGroup var options: ProxyOptions

    func run() throws {
        try options.runOnMainThread()
    }
}
