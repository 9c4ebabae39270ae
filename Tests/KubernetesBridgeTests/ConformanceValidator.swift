import Foundation
import Testing

/// Runs `../shared/conformance/kubernetes/validate.py` (the upstream CRDs and Kubernetes' own schemas, strict) in the
/// virtual environment `scripts/k8s-venv.sh` makes. Missing pieces fail the test with what to do: a validator that
/// silently does not run would prove nothing.
enum ConformanceValidator {
    struct Result {
        var status: Int32
        var output: String
    }

    /// MESHCTL_K8S_VENV, else `.build/k8s-venv` in the repository.
    static var python: String? {
        let venv = ProcessInfo.processInfo.environment["MESHCTL_K8S_VENV"]
            ?? BridgeFixtures.repository.appendingPathComponent(".build/k8s-venv").path
        let python = venv + "/bin/python"
        return FileManager.default.isExecutableFile(atPath: python) ? python : nil
    }

    /// MESHCTL_K8S_CONFORMANCE, else `shared/conformance/kubernetes` beside the repository or beside any folder above
    /// it (CI clones the repository next to `shared/`; a git worktree may sit deeper).
    static var validator: String? {
        if let explicit = ProcessInfo.processInfo.environment["MESHCTL_K8S_CONFORMANCE"] {
            return explicit + "/validate.py"
        }
        var directory = BridgeFixtures.repository
        for _ in 0..<6 {
            directory = directory.deletingLastPathComponent()
            let candidate = directory.appendingPathComponent("shared/conformance/kubernetes/validate.py").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Validates every YAML file under `directory`; nil (after recording an issue) when the validator can't run.
    static func validate(_ directory: String) throws -> Result? {
        guard let python else {
            Issue.record("no Python venv for the Kubernetes validator: run scripts/k8s-venv.sh (or set MESHCTL_K8S_VENV)")
            return nil
        }
        guard let validator else {
            Issue.record("validate.py not found in ../shared/conformance/kubernetes: set MESHCTL_K8S_CONFORMANCE")
            return nil
        }
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("k8s-validate-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outputFile) }
        let handle = try FileHandle(forWritingTo: outputFile)
        defer { try? handle.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [validator, directory]
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let deadline = ContinuousClock.now + .seconds(300)
        while process.isRunning, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            Issue.record("validate.py did not finish within 300 s")
            return nil
        }
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      output: (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "")
    }
}
