extension Service.Workload {
    /// The command, when the service runs one.
    public var commandValue: Service.Command? {
        if case .command(let command) = self { return command }
        return nil
    }
}
