import NIOCore
import NIOPosix
import SidecarConfig
import Testing

@testable import Sidecar

/// An endpoint is referenced strongly by its service's pool and by its health checker (`ServicePool`): a weak
/// reference gives its object a side table for life, and each of the several retains and releases a request makes
/// of its endpoint then takes the Swift runtime's slow path (docs/performance.md, "Session 15"). The strong
/// references make cycles, broken when the endpoint leaves the configuration (`EndpointState.leave`).
@Suite("endpoint references")
struct EndpointReferenceTests {
    /// Nothing listens on port 1 of the loopback: a health check there fails at once.
    private static let check = HealthCheck(interval: .seconds(60))

    private static func config(_ version: String, _ services: [ServiceConfig]) -> SidecarConfiguration {
        SidecarConfiguration(
            version: version, listeners: [Listener(name: "out", kind: .outbound, address: "127.0.0.1:0")],
            services: services)
    }

    private static let v1 = config("v1", [
        ServiceConfig(name: "a", endpoints: ["127.0.0.1:1", "127.0.0.1:2"], healthCheck: check),
        ServiceConfig(name: "b", endpoints: ["127.0.0.1:3"]),
    ])
    /// `a` loses an endpoint, `b` is gone.
    private static let v2 = config("v2", [ServiceConfig(name: "a", endpoints: ["127.0.0.1:1"], healthCheck: check)])

    /// The runtime's inline reference count (the second word of a native object) has its top two bits set once
    /// the object has a side table (UseSlowRC and SideTableMark in the runtime's RefCount.h).
    private static func hasSideTable(_ object: AnyObject) -> Bool {
        let bits = UnsafeRawPointer(Unmanaged.passUnretained(object).toOpaque()).load(fromByteOffset: 8, as: UInt64.self)
        return bits >> 62 == 0b11
    }

    /// Weak references to endpoints, and the contexts made, which must outlive their loop: a health checker calls
    /// back into its context (`unowned`), and the proxy's contexts live as long as their loops. Touched on the loop.
    private final class Holder: @unchecked Sendable {
        struct Entry { weak var endpoint: EndpointState? }
        var entries: [Entry] = []
        var contexts: [LoopContext] = []

        func context(on loop: any EventLoop, _ config: SidecarConfiguration) -> LoopContext {
            let made = LoopContext(eventLoop: loop, metrics: ProxyMetrics(), config: config)
            contexts.append(made)
            return made
        }
    }

    @Test("endpoints in a pool and under a health check have no side table")
    func noSideTable() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let holder = Holder()
        let flags = try await loop.submit {
            holder.context(on: loop, Self.v1).endpoints.values.map { ($0.address.description, Self.hasSideTable($0)) }
        }.get()
        #expect(flags.count == 3)
        for (address, slow) in flags { #expect(!slow, "\(address) has a side table") }
        // The check itself can fail: a weak reference gives the object one.
        let flagged = try await loop.submit {
            let endpoint = try #require(holder.context(on: loop, Self.v1).endpoints.values.first)
            holder.entries.append(.init(endpoint: endpoint))
            return Self.hasSideTable(endpoint)
        }.get()
        #expect(flagged)
        try await group.shutdownGracefully()
    }

    @Test("an endpoint that leaves the configuration is freed (whole swap and patch)", arguments: [false, true])
    func leftEndpointsFreed(patch: Bool) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let holder = Holder()
        let (kept, left) = try await loop.submit {
            let context = holder.context(on: loop, Self.v1)
            for (key, endpoint) in context.endpoints where ["b|127.0.0.1:3", "a|127.0.0.1:2"].contains(key) {
                holder.entries.append(.init(endpoint: endpoint))
            }
            if patch {
                context.apply(Self.v2, upserting: Self.v2.services, removing: ["b"])
            } else {
                context.apply(Self.v2)
            }
            return (context.endpoints.count, holder.entries.count)
        }.get()
        #expect(kept == 1)
        #expect(left == 2)
        // Freed once the loop's turn that swapped has ended (nothing in flight holds them).
        let alive = try await loop.submit { holder.entries.filter { $0.endpoint != nil }.count }.get()
        #expect(alive == 0)
        try await group.shutdownGracefully()
    }
}
