import Foundation
import Sidecar
import SidecarConfig
import Testing

/// A fault injection abort with a gRPC status (Istio's `abort.grpcStatus`) through a real proxy, called by grpcio
/// (Debian's python3-grpcio): the call ends with that status in a Trailers-Only response (HTTP 200, `grpc-status`
/// in the only HEADERS frame), never reaches the server, and is counted as a fault abort.
@Suite(.serialized) struct GRPCFaultTests {
    /// `faultclient.py PORT N`: N calls with `x-chaos: 1` and N without; prints each outcome's code and details
    /// once with its count, and the x-mesh-reason the aborted calls carried.
    static let client = #"""
import sys, grpc
port, n = int(sys.argv[1]), int(sys.argv[2])
ch = grpc.insecure_channel("127.0.0.1:%d" % port)
unary = ch.unary_unary("/test.Echo/Unary", request_serializer=lambda x: x, response_deserializer=lambda x: x)
for label, md in (("chaos", (("x-chaos", "1"),)), ("plain", ())):
    outcomes = {}
    for i in range(n):
        try:
            unary(b"x", metadata=md, timeout=10)
            key = "OK"
        except grpc.RpcError as e:
            reason = dict(e.trailing_metadata() or ()).get("x-mesh-reason")
            key = "%s|%s|%s" % (e.code().name, e.details(), reason)
        outcomes[key] = outcomes.get(key, 0) + 1
    for key, count in sorted(outcomes.items()):
        print(label, key, count, flush=True)
"""#

    /// `rawabort.py PORT`: one call with `x-chaos: 1` over raw HTTP/2; prints the `:status`, `grpc-status`, how many
    /// HEADERS frames and DATA bytes the answer had.
    static let raw = #"""
import socket, sys, h2.connection, h2.events, h2.config
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port)); s.settimeout(5)
c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
c.initiate_connection(); s.sendall(c.data_to_send())
c.send_headers(1, [(":method", "POST"), (":path", "/test.Echo/Unary"), (":scheme", "http"), (":authority", "api"),
                   ("content-type", "application/grpc"), ("te", "trailers"), ("x-chaos", "1")])
c.send_data(1, b"\x00\x00\x00\x00\x01z", end_stream=True); s.sendall(c.data_to_send())
headers, blocks, data = {}, 0, 0
for _ in range(100):
    chunk = s.recv(65536)
    if not chunk: break
    ended = False
    for e in c.receive_data(chunk):
        if isinstance(e, (h2.events.ResponseReceived, h2.events.TrailersReceived)):
            blocks += 1
            headers.update({k.decode(): v.decode() for k, v in e.headers})
        if isinstance(e, h2.events.DataReceived): data += len(e.data)
        if isinstance(e, h2.events.StreamEnded): ended = True
    s.sendall(c.data_to_send())
    if ended: break
print("status", headers.get(":status"), "grpc-status", headers.get("grpc-status"), "blocks", blocks, "data", data)
"""#

    static func config(_ server: BackgroundProcess, percentage: Double) -> SidecarConfiguration {
        var config = SidecarConfiguration(
            version: "v1",
            listeners: [Listener(name: "out", kind: .outbound, address: "127.0.0.1:0", service: "api")],
            services: [ServiceConfig(name: "api", endpoints: ["127.0.0.1:\(server.readyValue)"], appProtocol: .grpc)])
        config.faults = [FaultConfig(
            name: "faultinjection/chaos", service: "api", match: RouteMatch(name: "chaos", headers: ["x-chaos": "1"]),
            abort: .init(httpStatus: 200, grpcStatus: 14, percentage: percentage))]
        return config
    }

    @Test func aGRPCStatusAbortEndsTheCallWithThatStatusInATrailersOnlyAnswer() async throws {
        let servers = try GRPCProxyTests.servers(["a"])
        defer { servers.forEach { $0.stop() } }
        let proxy = try await ProxyHarness(Self.config(servers[0], percentage: 100))
        defer { Task { await proxy.stop() } }
        let run = try ExternalCommand.python(Self.client, ["\(proxy.port)", "10"], timeout: .seconds(60))
        let lines = run.stdout.split(separator: "\n").map(String.init)
        #expect(lines == ["chaos UNAVAILABLE|mesh proxy: fault-abort|fault-abort 10", "plain OK 10"], "\(run.stdout)\(run.stderr)")
        let raw = try ExternalCommand.python(Self.raw, ["\(proxy.port)"], timeout: .seconds(30))
        #expect(raw.stdout.contains("status 200 grpc-status 14 blocks 1 data 0"), "\(raw.stdout)\(raw.stderr)")
        let metrics = try proxy.admin("GET", "/metrics").text
        #expect(metrics.contains(#"mesh_local_responses_total{service="api",reason="fault-abort"} 11"#), "\(metrics)")
    }

    @Test func aShareOfCallsIsAborted() async throws {
        let servers = try GRPCProxyTests.servers(["a"])
        defer { servers.forEach { $0.stop() } }
        let proxy = try await ProxyHarness(Self.config(servers[0], percentage: 50))
        defer { Task { await proxy.stop() } }
        let run = try ExternalCommand.python(Self.client, ["\(proxy.port)", "200"], timeout: .seconds(90))
        let chaos = run.stdout.split(separator: "\n").filter { $0.hasPrefix("chaos ") }
        let aborted = chaos.first { $0.contains("UNAVAILABLE") }.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        // 50 % of 200, drawn: 100 ± 30 holds for any fair generator (over 4 standard deviations).
        #expect((70...130).contains(aborted), "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("plain OK 200"))
    }
}
