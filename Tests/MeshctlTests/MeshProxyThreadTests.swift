import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `mesh-proxy --threads 1` serves with its event loop on the main thread and Swift concurrency's jobs on that loop,
/// so the process has one thread: with a second one, even idle, every descriptor syscall of the data plane takes the
/// kernel's shared-files path (docs/performance.md, "one thread").
@Suite("mesh-proxy threads", .serialized)
struct MeshProxyThreadTests {
    @Test("mesh-proxy with one event loop is one thread while it proxies, answers the admin API and drains on SIGTERM")
    func oneThread() throws {
        let proxy = try ChildProcess(ChildProcess.meshProxy, [
            "--threads", "1", "--listen", "127.0.0.1:0", "--to", "127.0.0.1:9", "--admin", "127.0.0.1:0",
        ])
        defer { proxy.stop() }
        let port = try proxy.port(after: "listening")
        let admin = try proxy.port(after: "admin")
        // The data plane (nothing listens on port 9: the proxy answers 503 itself), and the admin API, whose
        // handlers are Swift concurrency tasks.
        for _ in 0..<20 { #expect(HeaderGet.get(port: port, host: "a")?.status == 503) }
        #expect(HeaderGet.get(port: admin, host: "127.0.0.1", path: "/stats")?.status == 200)
        #expect(HeaderGet.get(port: admin, host: "127.0.0.1", path: "/metrics")?.status == 200)
        let threads = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(proxy.pid)/task")
        #expect(threads.count == 1, "threads: \(threads.map { Self.name(pid: proxy.pid, thread: $0) })")
        // SIGTERM reaches the loop through its pipe (no DispatchSource) and the proxy drains and exits cleanly.
        kill(proxy.pid, SIGTERM)
        #expect(proxy.exitStatus(within: .seconds(20)) == 0, "\(proxy.output)")
    }

    private static func name(pid: Int32, thread: String) -> String {
        let comm = (try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/comm", encoding: .utf8)) ?? "?"
        return comm.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
