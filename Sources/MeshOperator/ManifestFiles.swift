import ArgumentParser
import Foundation
import Manifests
import OperatorAPI
import OperatorCore

/// Reads the manifest files named by `-f` (files or directories) into an apply request.
enum ManifestFiles {
    static func request(paths: [String], prune: Bool, dryRun: Bool) throws -> ApplyRequest {
        var diagnostics: [Diagnostic] = []
        var files: [ApplyRequest.File] = []
        for path in paths {
            for file in ManifestSet.files(at: path, diagnostics: &diagnostics) {
                guard let data = FileManager.default.contents(atPath: file) else {
                    diagnostics.append(Diagnostic(file: file, mark: Mark(line: 1, column: 1), message: "cannot read file"))
                    continue
                }
                guard let text = String(data: data, encoding: .utf8) else {
                    // Let the operator's parser say where the bad byte is.
                    files.append(.init(name: file, content: String(decoding: data, as: UTF8.self)))
                    continue
                }
                files.append(.init(name: file, content: text))
            }
        }
        guard diagnostics.isEmpty else {
            diagnostics.sorted().forEach { Console.err($0.description) }
            throw ExitCode(1)
        }
        // A single directory is the apply set `--prune` works on; several paths together form one set.
        let source = paths.map { URL(fileURLWithPath: $0).standardizedFileURL.path }.sorted().joined(separator: ",")
        return ApplyRequest(files: files, source: source, prune: prune, dryRun: dryRun)
    }

    /// Prints an apply answer (errors to stderr); returns it decoded.
    static func decode(_ body: [UInt8]) -> ApplyResponse {
        (try? JSONDecoder().decode(ApplyResponse.self, from: Data(body)))
            ?? ApplyResponse(errors: [String(decoding: body, as: UTF8.self)])
    }
}
