import ArgumentParser
import Foundation
import OperatorAPI
import OperatorCore

extension Meshctl {
    /// `meshctl status [--watch]`: every object's Ready condition, every process, recent events.
    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show objects, processes and recent events; --watch follows changes until ^C.")

        @OptionGroup var state: StateOptions

        @Flag(help: "Keep watching: redraw in place on a terminal, one line per change when piped.")
        var watch = false

        func run() async throws {
            guard watch else {
                let response = try await state.send("GET", "/v1/status")
                guard let snapshot = try? JSONDecoder().decode(StatusSnapshot.self, from: Data(response.body)) else {
                    throw ExitCode(1)
                }
                Console.out(StatusView.screen(snapshot))
                return
            }
            let terminal = isatty(STDOUT_FILENO) == 1
            let last = LastSnapshot()
            do {
                try await state.client.streamLines("GET", "/v1/watch") { line in
                    guard let snapshot = try? JSONDecoder().decode(StatusSnapshot.self, from: Data(line.utf8)) else {
                        return true
                    }
                    if terminal {
                        Console.out("\u{1B}[H\u{1B}[2J" + StatusView.screen(snapshot))
                    } else {
                        StatusView.changes(from: await last.swap(snapshot), to: snapshot).forEach { Console.out($0) }
                    }
                    return true
                }
            } catch {
                Console.err("error: \(error.description)")
                throw ExitCode(2)
            }
        }
    }
}

/// The previous snapshot, for printing only what changed.
actor LastSnapshot {
    private var value: StatusSnapshot?

    func swap(_ new: StatusSnapshot) -> StatusSnapshot? {
        defer { value = new }
        return value
    }
}
