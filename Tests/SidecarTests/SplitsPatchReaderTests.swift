#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
@testable import SidecarConfig
import Testing

/// `SplitsPatchReader`, the weight change's body read without `JSONDecoder`: on every body it reads it gives
/// `JSONDecoder`'s patch, and on every other it gives up, so `SidecarConfigPatch.decode` answers as before.
@Suite("PATCH /config: a weight change read without JSONDecoder")
struct SplitsPatchReaderTests {
    private func read(_ body: String) -> SidecarConfigPatch? {
        Data(body.utf8).withUnsafeBytes(SplitsPatchReader.patch(from:))
    }

    /// What `decode` gave before the reader: `JSONDecoder`'s patch or its refusal, as a `ConfigError`.
    private func reference(_ body: String) -> Result<SidecarConfigPatch, ConfigError> {
        do {
            return .success(try JSONDecoder().decode(SidecarConfigPatch.self, from: Data(body.utf8)))
        } catch let error as DecodingError {
            return .failure(ConfigError(problems: [ConfigError.Problem(decoding: error)]))
        } catch {
            return .failure(ConfigError(problems: [.init(path: "", message: "\(error)")]))
        }
    }

    private func decoded(_ body: String) -> Result<SidecarConfigPatch, ConfigError> {
        do throws(ConfigError) { return .success(try SidecarConfigPatch.decode(json: Data(body.utf8))) } catch { return .failure(error) }
    }

    private func weights(_ pairs: [(String, Int)], name: String = "front", root: String = "front") -> TrafficSplitConfig {
        TrafficSplitConfig(name: name, rootService: root, backends: pairs.map { .init(service: $0.0, weight: $0.1) })
    }

    @Test("what the operator sends, compact, pretty, with sorted keys: the same patch as JSONDecoder's")
    func readsWhatTheOperatorSends() throws {
        let patches = [
            SidecarConfigPatch(base: "v1", version: "v2", splits: [weights([("front-v1", 90), ("front-v2", 10)])]),
            SidecarConfigPatch(base: "sha-0f3a9c", version: "sha-77e1 (gen 12)", splits: []),
            SidecarConfigPatch(base: "a", version: "b", splits: [
                weights([("x", 0), ("y", 100), ("z", -3)], name: "s1", root: "r1"),
                weights([("p", 123_456_789_012)], name: "s 2", root: "r:2#{}[],"),
            ]),
            SidecarConfigPatch(base: "v1", version: "v2"),
        ]
        for patch in patches {
            for formatting in [[], [.prettyPrinted], [.sortedKeys], [.prettyPrinted, .sortedKeys]] as [JSONEncoder.OutputFormatting] {
                let encoder = JSONEncoder()
                encoder.outputFormatting = formatting
                let body = String(decoding: try encoder.encode(patch), as: UTF8.self)
                #expect(read(body) == patch, "\(body)")
                #expect(decoded(body) == reference(body), "\(body)")
            }
        }
        // Whitespace anywhere JSON allows it, keys in another order, tabs and CRLF.
        let spaced = " \r\n{ \"splits\" :\t[ { \"backends\" : [ { \"weight\" : 7 , \"service\" : \"b\" } ] ,\n\"matches\":[ ],"
            + " \"rootService\":\"r\", \"name\":\"n\" } ] , \"version\" : \"v2\" , \"base\":\"v1\" }\r\n "
        #expect(read(spaced) == SidecarConfigPatch(base: "v1", version: "v2", splits: [weights([("b", 7)], name: "n", root: "r")]))
        #expect(decoded(spaced) == reference(spaced))
    }

    @Test("anything else goes to JSONDecoder, and decode answers exactly as it did", arguments: [
        #"{"base":"v\u0031","version":"v2","splits":[]}"#,                     // an escape
        #"{"base":"v\/1","version":"v2","splits":[]}"#,
        #"{"base":"vé","version":"v2","splits":[]}"#,                           // not ASCII
        "{\"base\":\"v\u{7F}\",\"version\":\"v2\",\"splits\":[]}",
        "{\"base\":\"v\u{01}\",\"version\":\"v2\",\"splits\":[]}",              // a control byte: invalid JSON
        #"{"base":"v1","version":"v2","splits":[{"name":"n","rootService":"r","backends":[{"service":"a","weight":1.0}]}]}"#,
        #"{"base":"v1","version":"v2","splits":[{"name":"n","rootService":"r","backends":[{"service":"a","weight":1e2}]}]}"#,
        #"{"base":"v1","version":"v2","splits":[{"name":"n","rootService":"r","backends":[{"service":"a","weight":01}]}]}"#,
        #"{"base":"v1","version":"v2","splits":[{"name":"n","rootService":"r","backends":[{"service":"a","weight":-0}]}]}"#,
        #"{"base":"v1","version":"v2","splits":[{"name":"n","rootService":"r","backends":[{"service":"a","weight":"5"}]}]}"#,
        #"{"base":"v1","version":"v2","splits":[{"name":"n","rootService":"r","backends":[{"service":"a","weight":99999999999999999999}]}]}"#,
        #"{"base":"v1","version":"v2","splits":[{"name":"n","rootService":"r","backends":[{"service":"a"}]}]}"#,
        #"{"base":"v1","version":"v2","splits":[{"name":"n","backends":[]}]}"#,  // no rootService
        #"{"base":"v1","version":"v2","splits":[{"name":"n","rootService":"r","backends":[],"matches":[{"name":"m"}]}]}"#,
        #"{"base":"v1","version":"v2","splits":[{"name":"n","rootService":"r","backends":[],"pinnedRoutes":[]}]}"#,
        #"{"base":"v1","version":"v2","splits":[{"name":"n","rootService":"r","backends":[],"name":"m"}]}"#,
        #"{"base":"v1","version":"v2","splits":null}"#,
        #"{"base":"v1","version":"v2","splits":[],"retryPolicies":[]}"#,
        #"{"base":"v1","version":"v2","removedServices":["svc-1"]}"#,
        #"{"base":"v1","version":"v2","extra":1}"#,
        #"{"base":"v1","version":"v2","version":"v3"}"#,
        #"{"base":"v1"}"#,
        #"{"base":"v1","version":"v2"} x"#,
        #"{"base":"v1","version":"v2",}"#,
        #"{"base":"v1" "version":"v2"}"#,
        #"["v1"]"#,
        "{}",
        "",
    ])
    func fallsBack(body: String) {
        #expect(read(body) == nil)
        #expect(decoded(body) == reference(body))
    }
}
