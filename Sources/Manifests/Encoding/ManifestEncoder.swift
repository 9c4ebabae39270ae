/// Prints objects in canonical form, defaults filled in. What it prints loads again to the same objects.
public enum ManifestEncoder {
    /// One YAML document per object, separated by `---`.
    public static func yaml(_ objects: [ManifestObject]) -> String {
        objects.map { YAMLEmitter.document($0.canonical) }.joined(separator: "---\n")
    }

    /// One object as JSON; several as `{"kind": "List", "apiVersion": "v1", "items": [...]}` like kubectl.
    public static func json(_ objects: [ManifestObject]) -> String {
        if objects.count == 1 { return JSONEmitter.document(objects[0].canonical) }
        let list = CanonicalValue.map([
            .init("apiVersion", .string("v1")),
            .init("kind", .string("List")),
            .init("items", .list(objects.map(\.canonical))),
        ])
        return JSONEmitter.document(list)
    }
}
