import Foundation
import Logging
import ProcessRuntime
import Testing

@testable import OperatorCore

#if canImport(Glibc)
import Glibc
#endif

/// Two `mesh-proxy` processes given the same kept socket (an old and a new sidecar during a data-plane upgrade)
/// both accept from its one queue. epoll wakes both for every connection and one finds nothing to accept: that must
/// be a non-event (through NIO's server channel it was a debug-build assertion, a SIGILL that killed the sidecar).
@Suite("shared outbound socket")
struct SharedOutboundSocketTests {
    @Test func twoProxiesAcceptFromOneSocketThroughThousandsOfConnectionsAndBothLive() async throws {
        let port = PortProbe.pickFree()
        let keeper = ListenerKeeper(logger: Logger(label: "test"))
        let fd = try #require(keeper.socket(forPort: port))
        let proxy = (MeshctlRunner.executable as NSString).deletingLastPathComponent + "/mesh-proxy"
        let runtime = LocalProcessRuntime()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shared-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var handles: [ProcessHandle] = []
        for index in 0..<2 {
            handles.append(try await runtime.spawn(ProcessSpec(
                arguments: [proxy, "--listen", "127.0.0.1:\(port)", "--to", "127.0.0.1:\(PortProbe.pickFree())"],
                environment: ["MESH_LISTENER_STDIN": "127.0.0.1:\(port)"],
                logPath: directory + "/proxy-\(index).log", listeningSocket: fd)))
        }
        defer { for handle in handles { Task { _ = await runtime.stop(handle, grace: .seconds(1)) } } }
        let logs = handles.map(\.logPath)
        for _ in 0..<100 where !logs.allSatisfy({ ((try? String(contentsOfFile: $0, encoding: .utf8)) ?? "").contains("listening") }) {
            try await Task.sleep(for: .milliseconds(50))
        }
        keeper.retain(ports: [])  // only the proxies hold it now, as while an operator restarts

        var refused = 0
        for _ in 0..<3_000 {
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = PortProbe.loopback(port: port)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if connected != 0 { refused += 1 }
            close(client)
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(refused == 0)
        for (handle, log) in zip(handles, logs) {
            let observed = await runtime.observe(handle)
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            #expect(observed == .running, "\(text.suffix(600))")
            #expect(!text.contains("Assertion failed"), "\(text.suffix(600))")
        }
        for handle in handles { _ = await runtime.stop(handle, grace: .seconds(1)) }
    }
}
