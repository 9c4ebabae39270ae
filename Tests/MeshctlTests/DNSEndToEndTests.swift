import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The DNS interface of a real operator, asked by `dig` (dnsutils) and by raw datagrams.
@Suite("DNS interface end to end", .serialized)
struct DNSEndToEndTests {
    private func dig(_ port: Int, _ arguments: [String]) throws -> String {
        try MeshctlRunner.runProgram("/usr/bin/dig", ["@127.0.0.1", "-p", String(port), "+time=2", "+tries=1"]
                                     + arguments, timeout: .seconds(10)).stdout
    }

    /// Sends one datagram and returns the answer's bytes (nil after a second of silence).
    private func exchange(_ port: Int, _ bytes: [UInt8]) -> [UInt8]? {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let sent = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard sent == bytes.count else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? Array(buffer[0..<n]) : nil
    }

    @Test func digFindsServicesAndTheirHealthyInstancesAndGarbageGetsFORMERR() throws {
        let harness = try OperatorHarness()
        defer { harness.stop() }
        try harness.start()
        let dnsPort = try #require(harness.eventually(10) {
            FileManager.default.fileExists(atPath: harness.stateDirectory + "/dns.addr")
        } ? (try String(contentsOfFile: harness.stateDirectory + "/dns.addr", encoding: .utf8))
            .split(separator: ":").last.flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) } : nil)
        let webPort = OperatorHarness.freePort()
        try harness.write("web.yaml", """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: web}
            spec:
              port: \(webPort)
              command: [meshctl, demo-app]
              replicas: 2

            """)
        #expect(try harness.meshctl(["apply", "-f", harness.manifests]).status == 0)

        #expect(try dig(dnsPort, ["web.service.mesh", "A", "+short"]) == "127.0.0.1\n")
        #expect(try dig(dnsPort, ["web.service.mesh", "SRV", "+short"]) == "0 1 \(webPort) web.service.mesh.\n")
        var instances: [String] = []
        #expect(harness.eventually(30) {
            instances = ((try? dig(dnsPort, ["instances.web.service.mesh", "SRV", "+short"])) ?? "")
                .split(separator: "\n").map(String.init)
            return instances.count == 2
        }, "\(instances)")
        #expect(instances.allSatisfy { $0.hasPrefix("0 1 ") && $0.hasSuffix(".instances.web.service.mesh.") })
        // An instance's SRV port answers: it is a healthy endpoint (the replica's sidecar).
        let instancePort = try #require(instances.first.flatMap { Int($0.split(separator: " ")[2]) })
        #expect(LoopbackGet.get(port: instancePort)?.status == 200)
        #expect(try dig(dnsPort, ["nope.service.mesh", "A"]).contains("status: NXDOMAIN"))
        #expect(try dig(dnsPort, ["example.com", "A"]).contains("status: REFUSED"))

        // Malformed: a name whose label runs past the end gets FORMERR with the query's id; the server lives on.
        let garbage: [UInt8] = [0xAB, 0xCD, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0x3F, 0x61, 0x62]
        let reply = try #require(exchange(dnsPort, garbage))
        #expect(Array(reply.prefix(2)) == [0xAB, 0xCD])
        #expect(reply[3] & 0x0F == 1, "FORMERR")
        #expect(exchange(dnsPort, [1, 2, 3]) == nil, "too short for a header: no answer")
        #expect(try dig(dnsPort, ["web.service.mesh", "A", "+short"]) == "127.0.0.1\n")
    }
}
