import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Self-registration with a real operator and real programs: a stock HTTP server outside the operator joins a
/// Service through `meshctl register` (heartbeating), leaves it when that process dies and its TTL runs out, and
/// joins again over the loopback HTTP listener with the token; bad registrations change nothing.
@Suite("self-registration end to end", .serialized)
struct RegistrationEndToEndTests {
    private func startProcess(_ path: String, _ arguments: [String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    private func stop(_ process: Process) {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    private func curl(_ arguments: [String]) throws -> String {
        let result = try MeshctlRunner.runProgram("/usr/bin/curl", ["-s", "-m", "5"] + arguments, timeout: .seconds(10))
        return result.stdout
    }

    /// A stock program outside the operator: `python3 -m http.server` serving `/who.txt` = "outside\n".
    private func outsideServer(_ harness: OperatorHarness) throws -> (Process, address: String) {
        let www = harness.directory + "/www"
        try FileManager.default.createDirectory(atPath: www, withIntermediateDirectories: true)
        try "outside\n".write(toFile: www + "/who.txt", atomically: true, encoding: .utf8)
        let port = OperatorHarness.freePort()
        let server = try startProcess("/usr/bin/python3", ["-m", "http.server", String(port), "--bind", "127.0.0.1",
                                                           "--directory", www], log: harness.directory + "/server.log")
        return (server, "127.0.0.1:\(port)")
    }

    @Test func anOutsideInstanceJoinsHeartbeatsAndLeavesWhenItsTTLRunsOut() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let servicePort = OperatorHarness.freePort()
        try harness.write("ext.yaml", """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: ext}
            spec:
              port: \(servicePort)
              registration: {allowed: true}
            ---
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: fixed}
            spec:
              port: \(OperatorHarness.freePort())
              endpoints: ["127.0.0.1:9"]

            """)
        let apply = try harness.meshctl(["apply", "-f", harness.manifests])
        #expect(apply.status == 0, "\(apply.stderr)")

        let (server, address) = try outsideServer(harness)
        defer { stop(server) }

        // Bad input: a clear error each, exit 1, nothing registered.
        let refused = try harness.meshctl(["register", "service/fixed", "--address", address])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("service/fixed does not accept registrations (set spec.registration.allowed: true"))
        let unknown = try harness.meshctl(["register", "service/nope", "--address", address])
        #expect(unknown.status == 1 && unknown.stderr.contains("service/nope not found"))
        let bad = try harness.meshctl(["register", "service/ext", "--address", "127.0.0.1", "--ttl", "0s"])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("address: expected HOST:PORT"), "\(bad.stderr)")
        #expect(bad.stderr.contains("ttl: must be from 1s to 24h, got 0s"), "\(bad.stderr)")
        let listed = try harness.meshctl(["get", "endpoints"]).stdout
        #expect(!listed.contains(address))
        #expect(LoopbackGet.get(port: servicePort, path: "/who.txt")?.status == 503)

        // Registered by `meshctl register`, heartbeating at ttl/3: it serves, and stays past its TTL.
        let register = try startProcess(MeshctlRunner.executable, [
            "register", "service/ext", "--address", address, "--ttl", "2s", "--state-dir", harness.stateDirectory,
        ], log: harness.directory + "/register.log")
        defer { stop(register) }
        #expect(harness.eventually(10) { LoopbackGet.get(port: servicePort, path: "/who.txt")?.body == "outside\n" })
        Thread.sleep(forTimeInterval: 3)
        #expect(LoopbackGet.get(port: servicePort, path: "/who.txt")?.status == 200, "heartbeats keep it past its TTL")
        #expect(try harness.meshctl(["get", "endpoints"]).stdout.contains(address))

        // The registering process dies without deregistering: the instance leaves once its TTL has run out.
        kill(register.processIdentifier, SIGKILL)
        register.waitUntilExit()
        let killed = Date()
        #expect(harness.eventually(10) { LoopbackGet.get(port: servicePort, path: "/who.txt")?.status == 503 })
        let gone = Date().timeIntervalSince(killed)
        #expect(gone > 1.0 && gone < 5, "left \(gone) s after its last heartbeat source died (ttl 2s)")
        #expect(try harness.meshctl(["status"]).stdout.contains("RegistrationExpired"))

        // Over the loopback HTTP listener: refused without the token, accepted with it, and deregistered.
        let http = try #require(try? String(contentsOfFile: harness.stateDirectory + "/http.addr", encoding: .utf8))
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let token = try String(contentsOfFile: harness.stateDirectory + "/registration.token", encoding: .utf8)
        let body = #"{"service":"ext","address":"\#(address)","ttl":"30s"}"#
        let noToken = try curl(["-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-d", body,
                                "http://\(http)/v1/registrations"])
        #expect(noToken == "401")
        let withToken = try curl(["-w", " %{http_code}", "-X", "POST", "-d", body, "-H", "Authorization: Bearer \(token)",
                                  "http://\(http)/v1/registrations"])
        #expect(withToken.hasSuffix(" 200"), "\(withToken)")
        #expect(harness.eventually(10) { LoopbackGet.get(port: servicePort, path: "/who.txt")?.status == 200 })
        let deregister = try harness.meshctl(["deregister", "service/ext", "--address", address])
        #expect(deregister.status == 0, "\(deregister.stderr)")
        #expect(harness.eventually(2) { LoopbackGet.get(port: servicePort, path: "/who.txt")?.status == 503 })
    }

    /// A Service of replicas (sidecars, reached over mTLS) that also accepts registrations: the registered program
    /// has no mesh identity and speaks plaintext HTTP, so callers must not start a TLS handshake with it.
    @Test func aRegisteredInstanceBesideReplicasIsReachedInPlaintext() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let servicePort = OperatorHarness.freePort()
        try harness.write("mixed.yaml", """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: mixed}
            spec:
              port: \(servicePort)
              command: [meshctl, demo-app]
              replicas: 1
              registration: {allowed: true}
              loadBalancer: round-robin   # p2c-ewma over two endpoints may keep choosing the faster one

            """)
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)
        #expect(harness.eventually(30) { LoopbackGet.get(port: servicePort)?.status == 200 }, "the replica serves")

        let (server, address) = try outsideServer(harness)
        defer { stop(server) }
        let register = try startProcess(MeshctlRunner.executable, [
            "register", "service/mixed", "--address", address, "--ttl", "10s", "--state-dir", harness.stateDirectory,
        ], log: harness.directory + "/register.log")
        defer { stop(register) }
        // Listed by the operator, then pushed to the gateway: wait until the program has answered once.
        #expect(harness.eventually(10) { LoopbackGet.get(port: servicePort, path: "/who.txt")?.body == "outside\n" })

        // Balanced over the replica's sidecar and the registered program: the program answers some, and no request
        // fails (a TLS handshake with a plaintext server would fail every one sent to it).
        var outside = 0
        var failures: [Int] = []
        for _ in 0..<40 {
            guard let answer = LoopbackGet.get(port: servicePort, path: "/who.txt") else { failures.append(0); continue }
            if answer.body == "outside\n" { outside += 1 } else if answer.status >= 500 { failures.append(answer.status) }
        }
        #expect(outside > 0, "the registered program answered none of 40 requests")
        #expect(failures.isEmpty, "failed: \(failures)")
    }
}
