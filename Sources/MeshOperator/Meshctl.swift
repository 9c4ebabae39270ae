import ArgumentParser

/// The `meshctl` command: a thin shell over the library modules, one subcommand per file.
@main
struct Meshctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meshctl",
        abstract: "A service mesh for one machine, run the way Kubernetes operators run.",
        version: "0.1.0",
        subcommands: [
            Validate.self,
            IdentityCommand.self,
            Edges.self,
            Up.self,
            Apply.self,
            Diff.self,
            Export.self,
            Import.self,
            Get.self,
            Status.self,
            Stat.self,
            Top.self,
            Logs.self,
            Trace.self,
            Delete.self,
            Register.self,
            Deregister.self,
            Scale.self,
            RolloutCommand.self,
            FaultCommand.self,
            Demo.self,
            Down.self,
            OperatorCommand.self,
            Proxy.self,
            DemoAppCommand.self,
            Dashboard.self,
        ]
    )
}
