import Foundation
import Testing

@testable import OperatorCore

/// `healthCheck: {grpc: {service: …}}` for the replicas of an `appProtocol: grpc` service: the operator calls
/// `grpc.health.v1.Health/Check` on a real grpcio server (Debian's python3-grpcio, whose Health servicer is written
/// by hand below since Debian ships no grpc_health) and lists the replica only while it answers SERVING.
@Suite("gRPC health checks end to end", .serialized)
struct GRPCHealthCheckEndToEndTests {
    /// `health.py STATE`: a grpcio server on $PORT (or a free port, printed as `port N`) whose health for "" and
    /// "api" is the word in STATE (SERVING or NOT_SERVING); another service is NOT_FOUND. Each check is appended to
    /// STATE.log. SIGTERM stops it.
    static let server = #"""
        import os, signal, sys, threading, grpc
        from concurrent import futures
        state = sys.argv[1]
        def check(request, context):
            # HealthCheckRequest { string service = 1; }
            service = request[2:2 + request[1]].decode() if len(request) > 1 and request[0] == 0x0A else ""
            try:
                status = open(state).read().strip()
            except OSError:
                status = "NOT_SERVING"
            with open(state + ".log", "a") as log:
                log.write("%s %s\n" % (service or "-", status))
            if service not in ("", "api"):
                context.abort(grpc.StatusCode.NOT_FOUND, "unknown service " + service)
            return b"\x08\x01" if status == "SERVING" else b"\x08\x02"  # HealthCheckResponse.status
        ident = lambda x: x
        handler = grpc.method_handlers_generic_handler("grpc.health.v1.Health", {
            "Check": grpc.unary_unary_rpc_method_handler(check, ident, ident)})
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        server.add_generic_rpc_handlers((handler,))
        port = server.add_insecure_port("127.0.0.1:" + os.environ.get("PORT", "0"))
        if port == 0:
            sys.exit("cannot bind")
        print("port", port, flush=True)
        server.start()
        done = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: done.set())
        done.wait()
        server.stop(1).wait()
        """#

    private static func probe(_ port: Int, _ service: String) -> Bool {
        GRPCHealthProbe(port: port, service: service, timeout: .milliseconds(500)).isServing()
    }

    @Test func theProbeReadsServingNotServingAndUnknownFromGrpcio() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("grpc-health-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try Self.server.write(toFile: folder + "/health.py", atomically: true, encoding: .utf8)
        try "SERVING".write(toFile: folder + "/state", atomically: true, encoding: .utf8)
        let server = try ChildProcess(ChildProcess.python, [folder + "/health.py", folder + "/state"])
        defer { server.stop() }
        let port = try server.port(after: "port")

        #expect(Self.probe(port, ""))
        #expect(Self.probe(port, "api"))
        #expect(!Self.probe(port, "other"), "an unknown service (NOT_FOUND) passed")
        try "NOT_SERVING".write(toFile: folder + "/state", atomically: true, encoding: .utf8)
        #expect(!Self.probe(port, ""))
        let log = (try? String(contentsOfFile: folder + "/state.log", encoding: .utf8)) ?? ""
        #expect(log == "- SERVING\napi SERVING\nother SERVING\n- NOT_SERVING\n", "\(log)")

        // Nothing listening, or something that is not gRPC: a failed check within the timeout, not a hang.
        let started = ContinuousClock.now
        #expect(!Self.probe(OperatorHarness.freePort(), ""))
        #expect(ContinuousClock.now - started < .seconds(2))
    }

    private func readyReplicas(_ harness: OperatorHarness) throws -> Int? { try harness.readyReplicas("api") }

    @Test func aReplicaIsListedOnlyWhileItsHealthServiceSaysServing() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let script = harness.directory + "/health.py"
        let state = harness.directory + "/api.state"
        try Self.server.write(toFile: script, atomically: true, encoding: .utf8)
        try "NOT_SERVING".write(toFile: state, atomically: true, encoding: .utf8)
        try harness.write("api.yaml", """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: api}
            spec:
              port: \(OperatorHarness.freePort())
              appProtocol: grpc
              command: [\(ChildProcess.python), \(script), \(state)]
              healthCheck: {grpc: {service: api}, interval: 300ms, timeout: 250ms, unhealthyThreshold: 1}

            """)
        let apply = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(apply.status == 0, "\(apply.stderr)")

        // Listening and answering, but NOT_SERVING: checked (by gRPC, for "api"), never listed.
        let log = { (try? String(contentsOfFile: state + ".log", encoding: .utf8)) ?? "" }
        #expect(harness.eventually(15) { log().split(separator: "\n").count >= 3 }, "\(log())")
        #expect(try readyReplicas(harness) == 0)
        #expect(log().split(separator: "\n").allSatisfy { $0 == "api NOT_SERVING" }, "\(log())")

        try "SERVING".write(toFile: state, atomically: true, encoding: .utf8)
        #expect(try harness.eventually(15) { try readyReplicas(harness) == 1 })
        try "NOT_SERVING".write(toFile: state, atomically: true, encoding: .utf8)
        #expect(try harness.eventually(15) { try readyReplicas(harness) == 0 })
    }
}
