import Testing

@testable import DemoApp

@Suite("demo app", .serialized)
struct DemoServerTests {
    @Test func errorInjectionIsExactOverAnyRun() {
        var injector = ErrorInjector(rate: 0.2)
        let failures = (0..<1000).filter { _ in injector.nextFails() }.count
        #expect(failures == 200)
        var never = ErrorInjector(rate: 0)
        #expect((0..<100).allSatisfy { _ in !never.nextFails() })
    }

    @Test func answersWithItsVersionAndTheConfiguredFailureShare() async throws {
        let server = try await DemoServer.start(DemoAppOptions(port: 0, version: "v7", errorRate: 0.25))
        let client = try RawHTTP(port: server.port)
        var statuses: [Int] = []
        for _ in 0..<40 {
            let response = try client.get("/")
            #expect(response.headers["x-demo-version"] == "v7")
            statuses.append(response.status)
        }
        #expect(statuses.filter { $0 == 500 }.count == 10)
        #expect(statuses.filter { $0 == 200 }.count == 30)
        #expect(try client.get("/healthz").status == 200)
        try await server.stop()
    }

    @Test func latencyDelaysTheAnswer() async throws {
        let server = try await DemoServer.start(DemoAppOptions(port: 0, latencyNanoseconds: 50_000_000))
        let client = try RawHTTP(port: server.port)
        let clock = ContinuousClock()
        let start = clock.now
        let response = try client.get("/")
        let elapsed = clock.now - start
        #expect(response.status == 200)
        #expect(response.body == "hello from v1\n")
        #expect(elapsed >= .milliseconds(50))
        try await server.stop()
    }
}
