import Foundation
import Testing

@testable import Manifests

/// `-o yaml` and `-o json` print canonical objects that load again to the very same objects.
@Suite("Canonical encoding round trip")
struct RoundTripTests {
    static let exampleSets = ["examples/canary", "examples/blue-green", "examples/retries"]

    @Test(arguments: exampleSets)
    func yamlRoundTrip(_ directory: String) throws {
        let report = ManifestSet.load(paths: [repositoryRoot + "/" + directory])
        #expect(report.diagnostics.map(\.description) == [])
        let objects = report.objects.map(\.object)
        #expect(!objects.isEmpty)
        let yaml = ManifestEncoder.yaml(objects)
        let again = ManifestSet.load(sources: [.init(file: "out.yaml", bytes: Array(yaml.utf8))])
        #expect(again.diagnostics.map(\.description) == [])
        #expect(again.objects.map(\.object) == objects)
        // Canonical output is a fixed point.
        #expect(ManifestEncoder.yaml(again.objects.map(\.object)) == yaml)
    }

    @Test(arguments: exampleSets)
    func jsonRoundTrip(_ directory: String) throws {
        let objects = ManifestSet.load(paths: [repositoryRoot + "/" + directory]).objects.map(\.object)
        let json = ManifestEncoder.json(objects)
        #expect(json.hasPrefix("{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"List\",\n  \"items\": ["))
        // It is JSON as Foundation reads it, too.
        #expect((try? JSONSerialization.jsonObject(with: Data(json.utf8))) != nil)
        let again = ManifestSet.load(sources: [.init(file: "out.json", bytes: Array(json.utf8))])
        #expect(again.diagnostics.map(\.description) == [])
        #expect(again.objects.map(\.object) == objects)
    }

    @Test func smiDocumentsRoundTripInTheirOwnVersion() throws {
        let directory = repositoryRoot + "/Tests/ManifestsTests/Fixtures"
        let objects = ManifestSet.load(paths: [directory + "/smi", directory + "/smi-services"]).objects.map(\.object)
        // The SMI set reuses names across files, so compare object by object.
        for object in objects {
            let yaml = ManifestEncoder.yaml([object])
            let again = ManifestSet.load(sources: [.init(file: "one.yaml", bytes: Array(yaml.utf8))]).objects.map(
                \.object
            )
            #expect(again == [object], "\(yaml)")
        }
        let quantity = try #require(objects.first { $0.apiVersion == "split.smi-spec.io/v1alpha1" })
        #expect(ManifestEncoder.yaml([quantity]).contains("weight: 100m"))
    }

    @Test func oneObjectAsJSONIsNotWrappedInAList() {
        let service = ManifestObject.service(
            Service(metadata: .init(name: "a"), spec: .init(port: 1, workload: .endpoints([.init(host: "h", port: 2)])))
        )
        #expect(
            ManifestEncoder.json([service]).hasPrefix(
                "{\n  \"apiVersion\": \"mesh.meshctl.dev/v1alpha1\",\n  \"kind\": \"Service\""
            )
        )
    }

    @Test func awkwardStringsSurviveTheRoundTrip() throws {
        let argv = [
            "no", "on", "Off", "yes", "~", "null", "true", "1.0", "1e3", "0x1F", "012", "12:30", "2001-12-14", "",
            " lead",
            "trail ", "--flag", "-", "a: b", "a #b", "#c", "*star", "&anchor", "!tag", "|", ">", "@at", "`tick", "%pct",
            "{x}", "[y]", "q\"uote", "back\\slash", "new\nline", "tab\there", "ünïcödé", "100m", "1m30s", "plain-word",
            "/path/to", "key=value", "café: x", "\u{7F}del",
        ]
        let service = ManifestObject.service(
            Service(
                metadata: .init(name: "a", labels: ["on": "no", "x:y": "1"], annotations: ["note": "a: b #c"]),
                spec: .init(port: 1, workload: .command(.init(argv: argv, env: ["yes": "off"])))
            )
        )
        for text in [ManifestEncoder.yaml([service]), ManifestEncoder.json([service])] {
            let again = ManifestSet.load(sources: [.init(file: "q.yaml", bytes: Array(text.utf8))])
            #expect(again.diagnostics.map(\.description) == [], "\(text)")
            #expect(again.objects.map(\.object) == [service])
        }
    }

    @Test func plainScalarsOnlyWhereUnambiguous() {
        #expect(YAMLEmitter.scalar("web-v1") == "web-v1")
        #expect(YAMLEmitter.scalar("1m30s") == "1m30s")
        #expect(YAMLEmitter.scalar("/healthz") == "/healthz")
        #expect(YAMLEmitter.scalar("no") == "\"no\"")
        #expect(YAMLEmitter.scalar("1.0") == "\"1.0\"")
        #expect(YAMLEmitter.scalar("1e3") == "\"1e3\"")
        #expect(YAMLEmitter.scalar("--version") == "\"--version\"")
        #expect(YAMLEmitter.scalar("~") == "\"~\"")
    }

    @Test func durationsReadTheOneGrammarAndPrintCanonically() throws {
        let yaml = """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: web}
            spec:
              port: 80
              endpoints: ["127.0.0.1:8080"]
              healthCheck: {interval: 90s, timeout: 1.5s}
              outlierDetection: {interval: 1m30s, baseEjectionTime: 0.5h}
            """
        let report = loadManifests(yaml)
        #expect(report.diagnostics.map(\.description) == [])
        guard case .service(let service) = try #require(report.objects.first?.object) else {
            Issue.record("expected a Service")
            return
        }
        #expect(service.spec.healthCheck?.interval == .seconds(90))
        #expect(service.spec.healthCheck?.timeout == .milliseconds(1500))
        #expect(service.spec.outlierDetection?.interval == .seconds(90))
        #expect(service.spec.outlierDetection?.baseEjectionTime == .seconds(1800))
        let printed = ManifestEncoder.yaml([.service(service)])
        for line in ["interval: 1m30s", "timeout: 1s500ms", "baseEjectionTime: 30m"] {
            #expect(printed.contains(line), "\(line) in \(printed)")
        }
    }
}
