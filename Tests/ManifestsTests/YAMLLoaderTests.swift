import Testing

@testable import Manifests

@Suite("YAML loader")
struct YAMLLoaderTests {
    private func load(_ text: String, limits: YAMLLimits = .default) -> YAMLLoadResult {
        YAMLLoader(limits: limits).load(Array(text.utf8), file: "f.yaml")
    }

    private func errors(_ text: String, limits: YAMLLimits = .default) -> [String] {
        load(text, limits: limits).diagnostics.map(\.description)
    }

    @Test func nodesCarryLineAndColumn() throws {
        let result = load("apiVersion: v1\nspec:\n  backends:\n    - service: web\n      weight: 9\n")
        #expect(result.diagnostics.isEmpty)
        let root = try #require(result.documents.first?.root)
        #expect(root.mark == Mark(line: 1, column: 1))
        let weight = try #require(root["spec"]?["backends"]?.sequence?[0]["weight"])
        #expect(weight.mark == Mark(line: 5, column: 15))
        #expect(weight.scalar == Scalar("9"))
    }

    @Test func scalarsKeepTheirTextAndStyle() throws {
        let root = try #require(load("a: no\nb: \"no\"\nc: 'on'\nd: |\n  x\n").documents.first?.root)
        #expect(root["a"]?.scalar == Scalar("no", style: .plain))
        #expect(root["b"]?.scalar == Scalar("no", style: .doubleQuoted))
        #expect(root["c"]?.scalar == Scalar("on", style: .singleQuoted))
        #expect(root["d"]?.scalar == Scalar("x\n", style: .literal))
    }

    @Test func multipleDocumentsInOneFile() {
        let result = load("---\na: 1\n---\nb: 2\n---\n")
        #expect(result.diagnostics.isEmpty)
        #expect(result.documents.count == 3)
        #expect(result.documents.map(\.index) == [0, 1, 2])
        #expect(result.documents[1].mark.line == 3)
        #expect(result.documents[2].root == nil)
    }

    @Test func duplicateKeysAreErrorsAtTheSecondKey() {
        #expect(errors("a: 1\nb: 2\na: 3\n") == ["f.yaml:3:1: error: duplicate key \"a\" (first at 1:1)"])
    }

    @Test func tabsAreReportedWhereTheyAre() {
        #expect(errors("a:\n\tb: 1\n") == ["f.yaml:2:1: error: tab character where YAML expects spaces; indent with spaces"])
    }

    @Test func invalidUTF8IsReportedAtItsPosition() {
        var bytes = Array("a: 1\nbé: x".utf8)
        bytes.append(0xFF)
        let result = YAMLLoader().load(bytes, file: "f.yaml")
        #expect(result.diagnostics.map(\.description) == ["f.yaml:2:6: error: invalid UTF-8: invalid leading UTF-8 octet (byte 0xFF)"])
    }

    @Test func controlCharactersAreRejected() {
        #expect(errors("a: \u{0}x\n") == ["f.yaml:1:4: error: control character (byte 0x0) is not allowed in YAML"])
    }

    @Test func syntaxErrorsNameTheProblemAndThePlace() {
        let messages = errors("a: [1, 2\nb: 3\n")
        #expect(messages.count == 1)
        #expect(messages.first?.hasPrefix("f.yaml:2:2: error: invalid YAML:") == true)
    }

    @Test func nestingDeeperThanTheLimitIsRejected() {
        let deep = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        #expect(errors(deep) == ["f.yaml:1:129: error: nesting is deeper than 128 levels"])
        let ok = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        #expect(errors(ok).isEmpty)
    }

    @Test func veryDeepInputDoesNotCrash() {
        let deep = String(repeating: "- ", count: 50_000) + "x\n" + String(repeating: "{a: ", count: 50_000)
        #expect(errors(deep).count == 1)
    }

    @Test func billionLaughsIsRejectedByTheNodeBudget() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            text += "a\(level): &a\(level) [\(refs)]\n"
        }
        let messages = errors(text)
        #expect(messages.count == 1)
        #expect(messages.first?.contains("expands to more than 1000000 nodes") == true)
    }

    @Test func aliasesExpandWithinTheBudget() throws {
        let root = try #require(load("base: &b {port: 8080}\ncopy: *b\n").documents.first?.root)
        #expect(root["copy"]?["port"]?.scalar?.text == "8080")
        #expect(root["copy"]?.mark == Mark(line: 2, column: 7))
    }

    @Test func anUnknownAliasIsAnError() {
        #expect(errors("a: *nope\n") == ["f.yaml:1:4: error: alias *nope refers to no anchor defined before it"])
    }

    @Test func mergeKeysFillMissingKeysOnly() throws {
        let text = "base: &b {port: 1, replicas: 2}\nsvc:\n  <<: *b\n  port: 3\n"
        let root = try #require(load(text).documents.first?.root)
        #expect(root["svc"]?["port"]?.scalar?.text == "3")
        #expect(root["svc"]?["replicas"]?.scalar?.text == "2")
    }

    @Test func filesOverTheSizeLimitAreRejectedBeforeParsing() {
        let limits = YAMLLimits(maxBytes: 1024)
        let big = String(repeating: "a: 1\n", count: 300)
        #expect(errors(big, limits: limits) == ["f.yaml:1:1: error: file is 1500 bytes; the limit is 1 KiB"])
    }

    @Test func complexKeysAreRejected() {
        #expect(errors("? [a, b]\n: 1\n") == ["f.yaml:1:3: error: mapping keys must be plain strings, not a list"])
    }

    @Test func utf16IsRejectedWithAReason() {
        let result = YAMLLoader().load([0xFF, 0xFE, 0x61, 0x00], file: "f.yaml")
        #expect(result.diagnostics.map(\.message) == ["file is UTF-16 (little-endian); manifests must be UTF-8"])
    }
}
