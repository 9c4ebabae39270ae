import Manifests
import OperatorAPI
import Testing

@testable import OperatorCore

@Suite("registration table and checks")
struct RegistrationTableTests {
    private let address = Service.Endpoint(host: "127.0.0.1", port: 9000)

    @Test func instancesStayWhileTheyHeartbeatAndLeaveWhenTheirTTLRunsOut() {
        var table = RegistrationTable()
        let added = table.register(service: "ext", address: address, ttl: 2, now: 0)
        let renewed = table.register(service: "ext", address: address, ttl: 2, now: 1)
        #expect(added && !renewed, "a renewal changes no endpoint")
        #expect(table.endpoints == ["ext": ["127.0.0.1:9000"]])
        #expect(table.nextExpiry == 3)
        let beat = table.heartbeat(service: "ext", address: address, now: 2.5)
        let early = table.expire(now: 4, allowed: { _ in true })
        let late = table.expire(now: 4.5, allowed: { _ in true })
        #expect(beat && early.isEmpty && late.map(\.address) == [address])
        #expect(table.endpoints.isEmpty && table.nextExpiry == nil)
        let afterExpiry = table.heartbeat(service: "ext", address: address, now: 5)
        #expect(!afterExpiry, "an expired instance must register again")
    }

    @Test func deregistrationAndAServiceThatStopsAllowingIt() {
        var table = RegistrationTable()
        _ = table.register(service: "a", address: address, ttl: 60, now: 0)
        _ = table.register(service: "b", address: address, ttl: 60, now: 0)
        let first = table.deregister(service: "a", address: address)
        let second = table.deregister(service: "a", address: address)
        let dropped = table.expire(now: 1, allowed: { $0 != "b" })
        #expect(first && !second && dropped.map(\.service) == ["b"])
    }

    @Test func badRegistrationsListEveryProblemWithTheStatusOfTheFirst() {
        let open = Service(metadata: ObjectMeta(name: "ext"), spec: .init(port: 80, registration: .init(allowed: true)))
        let closed = Service(metadata: ObjectMeta(name: "fixed"), spec: .init(port: 81, workload: .endpoints([address])))
        let services = ["ext": open, "fixed": closed]
        func check(_ service: String, _ address: String, _ ttl: String?) -> RegistrationFailure? {
            if case .failure(let failure) = RegistrationCheck.check(
                RegistrationRequest(service: service, address: address, ttl: ttl), services: services, needsTTL: true)
            {
                return failure
            }
            return nil
        }
        #expect(check("ext", "127.0.0.1:9000", "10s") == nil)
        #expect(check("ext", "[::1]:9000", "1s") == nil)
        #expect(check("fixed", "127.0.0.1:9000", "10s")?.status == 403)
        #expect(check("nope", "127.0.0.1:9000", "10s")?.errors == ["service/nope not found"])
        #expect(check("nope", "127.0.0.1:9000", "10s")?.status == 404)
        let bad = check("ext", "127.0.0.1:0", "0s")
        #expect(bad?.status == 400)
        #expect(bad?.errors.count == 2)
        #expect(check("ext", "no-port", "10s")?.errors.first?.hasPrefix("address: expected HOST:PORT") == true)
        #expect(check("ext", "127.0.0.1:9000", "soon")?.errors.first?.hasPrefix("ttl: ") == true)
        #expect(check("ext", "127.0.0.1:9000", "25h")?.errors == ["ttl: must be from 1s to 24h, got 25h"])
        #expect(check("ext", "127.0.0.1:9000", nil)?.errors == ["ttl: required, a duration such as 10s"])
    }

    @Test func theTokenIsComparedWhole() {
        #expect(RegistrationToken.accepts("Bearer abc", token: "abc"))
        #expect(!RegistrationToken.accepts("Bearer abd", token: "abc"))
        #expect(!RegistrationToken.accepts("Bearer ab", token: "abc"))
        #expect(!RegistrationToken.accepts("abc", token: "abc"))
        #expect(!RegistrationToken.accepts(nil, token: "abc"))
    }
}
