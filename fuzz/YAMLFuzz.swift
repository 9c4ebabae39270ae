// libFuzzer entry point: every input must come back as documents or diagnostics — never a crash, a trap, a hang
// or unbounded memory. Compiled together with the Manifests sources by fuzz/run.sh (one module, no `import`).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let limits = YAMLLimits(maxBytes: 1 << 20, maxDepth: 128, maxNodes: 100_000)
    let result = YAMLLoader(limits: limits).load(bytes, file: "fuzz.yaml")
    // Touch every diagnostic's rendering so formatting paths are exercised too.
    var total = 0
    for diagnostic in result.diagnostics { total &+= diagnostic.description.utf8.count }
    FuzzHooks.afterLoad(result, bytes: bytes)
    return total == -1 ? 1 : 0
}
