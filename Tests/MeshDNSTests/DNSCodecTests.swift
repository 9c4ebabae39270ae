import Testing

@testable import MeshDNS

@Suite("DNS message codec and zone")
struct DNSCodecTests {
    /// A query as dig sends it: one question, recursion desired, an EDNS(0) OPT record advertising 1232 bytes.
    static func query(_ name: String, type: UInt16, id: UInt16 = 0x1234, edns: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, edns ? 1 : 0]
        for label in name.split(separator: ".") {
            bytes.append(UInt8(label.utf8.count))
            bytes += Array(label.utf8)
        }
        bytes += [0, UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]
        if edns { bytes += [0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0] }
        return bytes
    }

    static let zone = DNSZone(services: [
        "web": .init(port: 8081, endpoints: ["127.0.0.1:40001", "127.0.0.1:40002"]),
        "db": .init(port: 5432, endpoints: ["[::1]:6000"]),
    ], ttl: 1)

    private func answer(_ bytes: [UInt8]) throws -> DNSMessage {
        let response = try #require(DNSServer.respond(to: bytes, zone: Self.zone))
        return try ResponseReader.read(response)
    }

    @Test func aQueryParsesWithItsEDNSPayloadSize() throws {
        let message = try DNSParser.parseQuery(Self.query("Web.Service.MESH", type: 33))
        #expect(message.id == 0x1234 && message.recursionDesired && !message.isResponse)
        #expect(message.questions == [DNSQuestion(labels: ["web", "service", "mesh"], type: .srv)])
        #expect(message.ednsPayloadSize == 1232)
    }

    @Test func serviceNamesAnswerTheGatewayAddressAndPort() throws {
        let a = try answer(Self.query("web.service.mesh", type: 1))
        #expect(a.id == 0x1234 && a.isResponse && a.isAuthoritative && a.responseCode == .noError)
        #expect(a.answers == [DNSRecord(labels: ["web", "service", "mesh"], ttl: 1, data: .a([127, 0, 0, 1]))])
        let srv = try answer(Self.query("web.service.mesh", type: 33))
        #expect(srv.answers.map(\.data) == [.srv(priority: 0, weight: 1, port: 8081, target: ["web", "service", "mesh"])])
        #expect(srv.additionals.map(\.data) == [.a([127, 0, 0, 1])])
        let aaaa = try answer(Self.query("web.service.mesh", type: 28))
        #expect(aaaa.responseCode == .noError && aaaa.answers.isEmpty, "no IPv6 listener: no data, not NXDOMAIN")
    }

    @Test func instancesAnswerEveryHealthyEndpoint() throws {
        let srv = try answer(Self.query("instances.web.service.mesh", type: 33))
        #expect(srv.answers.map(\.data) == [
            .srv(priority: 0, weight: 1, port: 40001, target: ["0", "instances", "web", "service", "mesh"]),
            .srv(priority: 0, weight: 1, port: 40002, target: ["1", "instances", "web", "service", "mesh"]),
        ])
        #expect(srv.additionals.map(\.data) == [.a([127, 0, 0, 1]), .a([127, 0, 0, 1])])
        let v6 = try answer(Self.query("0.instances.db.service.mesh", type: 28))
        #expect(v6.answers.map(\.data) == [.aaaa([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])])
    }

    @Test func unknownNamesOtherZonesAndOtherOpcodes() throws {
        #expect(try answer(Self.query("nope.service.mesh", type: 1)).responseCode == .nameError)
        #expect(try answer(Self.query("5.instances.web.service.mesh", type: 1)).responseCode == .nameError)
        #expect(try answer(Self.query("example.com", type: 1)).responseCode == .refused)
        var notify = Self.query("web.service.mesh", type: 1)
        notify[2] = 0x20  // opcode 4 (NOTIFY)
        #expect(try answer(notify).responseCode == .notImplemented)
    }

    @Test func malformedQueriesGetFORMERRAndNothingCrashes() throws {
        let good = Self.query("web.service.mesh", type: 1, edns: false)
        #expect(DNSServer.respond(to: Array(good.prefix(11)), zone: Self.zone) == nil, "no header: no answer")
        var response = good
        response[2] |= 0x80
        #expect(DNSServer.respond(to: response, zone: Self.zone) == nil, "a response is never answered")
        var cases: [[UInt8]] = [
            Array(good.prefix(14)),  // name cut short
            Array(good.dropLast(2)),  // class missing
            Array(good.prefix(12)) + [0xC0, 0x0C, 0, 1, 0, 1],  // a pointer to itself
            Array(good.prefix(12)) + [0xC0, 0x20, 0, 1, 0, 1],  // a pointer forwards, past the end
            Array(good.prefix(12)) + [0x40] + Array(repeating: 0x61, count: 64) + [0, 0, 1, 0, 1],  // label 64
            Array(good.prefix(12)) + Array(repeating: [0x3F] + Array(repeating: 0x61, count: 63), count: 5).flatMap { $0 }
                + [0, 0, 1, 0, 1],  // a name of 320 bytes
        ]
        var twoQuestions = good
        twoQuestions[5] = 2
        cases.append(twoQuestions)
        var noQuestion = good
        noQuestion[5] = 0
        cases.append(noQuestion)
        var claimsARecord = good
        claimsARecord[11] = 1  // an additional record that is not there
        cases.append(claimsARecord)
        for bytes in cases {
            let reply = try #require(DNSServer.respond(to: bytes, zone: Self.zone))
            let message = try ResponseReader.read(reply)
            #expect(message.id == 0x1234 && message.responseCode == .formatError, "\(bytes)")
        }
        // Every prefix and every single-byte corruption of a good query: an answer or nothing, never a crash.
        var random = SystemRandomNumberGenerator()
        for length in 0..<good.count { _ = DNSServer.respond(to: Array(good.prefix(length)), zone: Self.zone) }
        for _ in 0..<5_000 {
            var bytes = good
            bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            _ = DNSServer.respond(to: bytes, zone: Self.zone)
        }
    }

    @Test func aResponseTooLargeForTheClientIsTruncated() throws {
        let many = DNSZone(services: ["big": .init(port: 80, endpoints: (0..<64).map { "127.0.0.1:\(40000 + $0)" })])
        let reply = try #require(DNSServer.respond(to: Self.query("instances.big.service.mesh", type: 33, edns: false),
                                                   zone: many))
        #expect(reply.count <= 512)
        let message = try ResponseReader.read(reply)
        #expect(message.isTruncated && message.answers.count < 64)
        let large = try #require(DNSServer.respond(to: Self.query("instances.big.service.mesh", type: 33), zone: many))
        #expect(large.count <= 1232)
    }
}
