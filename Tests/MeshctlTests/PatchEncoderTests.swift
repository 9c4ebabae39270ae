import Foundation
import SidecarConfig
import Testing

@testable import OperatorCore

/// A patch body spliced from tables encoded once must decode to the very patch `JSONEncoder` would have sent, for
/// every proxy of a push, and the tables must be encoded once however many proxies take them.
@Suite("patch encoder")
struct PatchEncoderTests {
    private static let splits = [TrafficSplitConfig(name: "front", rootService: "front", backends: [
        .init(service: "svc-0", weight: 90), .init(service: "svc-1", weight: 10)])]

    @Test func everyBodyDecodesToItsPatch() throws {
        var encoder = PatchEncoder()
        let patches = (0..<50).map { index in
            SidecarConfigPatch(base: "cfg-\(index)", version: "cfg-\(index)-new", splits: Self.splits,
                               retryPolicies: index % 3 == 0 ? [] : nil,
                               services: index % 5 == 0 ? [ServiceConfig(name: "local:svc-\(index)", endpoints: ["127.0.0.1:1"])] : nil,
                               removedServices: index % 7 == 0 ? ["gone"] : nil,
                               serviceOrder: index % 11 == 0 ? ["a", "b"] : nil)
        } + [SidecarConfigPatch(base: "quote \" back\\slash \u{1} tab\t", version: "é ☃", splits: Self.splits)]
        for patch in patches {
            let body = encoder.body(for: patch)
            #expect(try SidecarConfigPatch.decode(json: body) == patch)
        }
    }

    @Test func theSameSplitsAreTheSameBytesInEveryBody() throws {
        var encoder = PatchEncoder()
        var tails: [Data] = []
        for index in 0..<3 {
            let body = encoder.body(for: SidecarConfigPatch(base: "a\(index)", version: "b\(index)", splits: Self.splits))
            let head = Data("{\"base\":\"a\(index)\",\"version\":\"b\(index)\",\"splits\":".utf8)
            #expect(body.prefix(head.count) == head)
            tails.append(body.dropFirst(head.count))
        }
        // One encoding of the splits, spliced into every body (JSONEncoder's key order may differ between runs).
        #expect(Set(tails).count == 1)
    }
}
