import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Debian's `chromium`, run headless to load a page and print the DOM its scripts built (`--dump-dom`). Virtual time
/// lets the page's 1 s polling run several rounds without the test waiting for them in real time.
enum ChromiumBrowser {
    static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    static let missing = "chromium is not installed (apt-get install -y chromium; .ci/run installs it)"

    /// The DOM after `virtualSeconds` of page time. Bounded by `timeout`: a browser still running then is killed by
    /// its PID. Uses a throwaway profile folder, removed afterwards.
    static func dumpDOM(url: String, virtualSeconds: Int = 6, timeout: TimeInterval = 60) throws -> String {
        guard let path else { throw BrowserError.missing }
        let scratch = FileManager.default.temporaryDirectory
            .appendingPathComponent("chromium-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("dom.html")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        defer { try? out.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
            "--user-data-dir=\(scratch.path)/profile", "--virtual-time-budget=\(virtualSeconds * 1000)",
            "--dump-dom", url,
        ]
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
            throw BrowserError.timedOut(seconds: timeout)
        }
        return (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
    }

    enum BrowserError: Error {
        case missing
        case timedOut(seconds: TimeInterval)
    }
}

/// Reads attributes out of serialized HTML: enough for the dashboard's own markup (double-quoted attributes).
enum DOMText {
    /// The start tag of the element whose `id` is `id`, or nil.
    static func tag(id: String, in dom: String) -> String? {
        guard let range = dom.range(of: "id=\"\(id)\"") else { return nil }
        let start = dom[..<range.lowerBound].lastIndex(of: "<") ?? dom.startIndex
        let end = dom[range.upperBound...].firstIndex(of: ">") ?? dom.endIndex
        return String(dom[start..<end])
    }

    static func attribute(_ name: String, of tag: String) -> String? {
        guard let range = tag.range(of: " \(name)=\"") else { return nil }
        let rest = tag[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    /// Every start tag with this class (exactly, or among others).
    static func tags(class name: String, in dom: String) -> [String] {
        dom.components(separatedBy: "<").dropFirst().filter { tag in
            guard let classes = attribute("class", of: " " + tag) else { return false }
            return classes.split(separator: " ").contains { $0 == name }
        }
    }
}
