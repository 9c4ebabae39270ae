@testable import Sidecar
import SidecarConfig
import Testing

/// The path rewrites of URLRewrite and RequestRedirect, against Gateway API's table for ReplacePrefixMatch.
@Suite("Route filter path rewrites")
struct RouteFilterEditsTests {
    @Test("ReplacePrefixMatch follows Gateway API's table (trailing slashes never doubled, an empty result is /)")
    func prefixTable() {
        let table: [(path: String, prefix: String, replacement: String, expected: String)] = [
            ("/foo/bar", "/foo", "/xyz", "/xyz/bar"), ("/foo/bar", "/foo", "/xyz/", "/xyz/bar"),
            ("/foo", "/foo", "/xyz", "/xyz"), ("/foo/", "/foo", "/xyz", "/xyz/"),
            ("/foo/bar", "/foo", "", "/bar"), ("/foo/", "/foo", "", "/"), ("/foo", "/foo", "", "/"),
            ("/foo/", "/foo", "/", "/"), ("/foo", "/foo", "/", "/"), ("/a/b", "", "/api", "/api/a/b"),
        ]
        for row in table {
            let replacement = RouteFilters.PathReplacement(type: .replacePrefixMatch, value: row.replacement, matchedPrefix: row.prefix)
            #expect(RouteFilterEdits.replaced(row.path, replacement) == row.expected, "\(row)")
        }
        #expect(RouteFilterEdits.replaced("/a/b", .init(type: .replaceFullPath, value: "/c")) == "/c")
    }
}
