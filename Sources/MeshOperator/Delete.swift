import ArgumentParser
import Foundation
import Manifests
import OperatorAPI
import OperatorCore

extension Meshctl {
    /// `meshctl delete -f DIR` or `meshctl delete KIND NAME`: all named objects in one transaction, or none.
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete objects named by files, or one by kind and name; refused while other objects refer to them.")

        @OptionGroup var state: StateOptions

        @Option(name: .shortAndLong, help: "Delete the objects these manifests define; may repeat.")
        var filename: [String] = []

        @Flag(help: "Also delete the objects that refer to these (a TrafficSplit naming a deleted Service, then its Rollout).")
        var cascade = false

        @Argument(help: "KIND NAME, e.g. service web")
        var target: [String] = []

        func validate() throws {
            if filename.isEmpty == (target.count != 2) {
                throw ValidationError("give -f PATH, or KIND NAME")
            }
        }

        func run() async throws {
            var objects: [DeleteRequest.Object] = []
            if target.count == 2 {
                objects = [DeleteRequest.Object(kind: try ObjectKindName.kind(target[0]), name: target[1])]
            } else {
                let report = ManifestSet.load(paths: filename, crossCheck: false)
                guard report.isValid else {
                    report.diagnostics.forEach { Console.err($0.description) }
                    throw ExitCode(1)
                }
                objects = report.objects.map { DeleteRequest.Object(kind: $0.object.kind.rawValue, name: $0.object.name) }
            }
            let request = DeleteRequest(objects: objects, cascade: cascade)
            let response = try await state.send("POST", "/v1/delete", body: Array(try JSONEncoder().encode(request)))
            guard let answer = try? JSONDecoder().decode(DeleteResponse.self, from: Data(response.body)) else {
                Console.err("error: " + String(decoding: response.body, as: UTF8.self))
                throw ExitCode(1)
            }
            answer.errors.forEach { Console.err($0) }
            if !answer.errors.isEmpty {
                Console.err("nothing deleted")
                throw ExitCode(1)
            }
            for object in answer.deleted {
                Console.out("\(object.kind.lowercased())/\(object.name) deleted")
            }
            for object in answer.notFound {
                Console.err("error: \(object.kind.lowercased())/\(object.name) not found")
            }
            if !answer.notFound.isEmpty { throw ExitCode(1) }
        }
    }
}
