/// Extra stages the harness drives after loading; grows as the pipeline grows (decoding, validation, encoding).
enum FuzzHooks {
    static func afterLoad(_ result: YAMLLoadResult) {}
}
