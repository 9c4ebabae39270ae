import ArgumentParser
import OperatorCore

extension Meshctl {
    /// `meshctl operator`: the operator in the foreground (what `meshctl up` starts in the background).
    struct OperatorCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "operator",
            abstract: "Run the operator in the foreground (meshctl up runs it in the background).")

        @OptionGroup var state: StateOptions

        @Option(help: "Port of the ingress gateway on 127.0.0.1 (routes by Host header to services).")
        var gatewayPort = 8000

        func run() async throws {
            let daemon = OperatorDaemon(directory: state.directory, meshctlPath: SelfExecutable.path,
                                        gatewayPort: gatewayPort)
            try await daemon.run()
        }
    }
}
