import Foundation
import Testing

/// What `mesh-proxy` loads: it is started once per service replica, so every library it maps is resident memory
/// times the number of sidecars (docs/performance.md, "idle RSS").
@Suite("mesh-proxy footprint", .serialized)
struct MeshProxyFootprintTests {
    @Test("a running mesh-proxy maps neither Foundation with ICU nor the Swift runtime's shared libraries")
    func noFoundationNorICU() throws {
        let proxy = try ChildProcess(ChildProcess.meshProxy, ["--listen", "127.0.0.1:0", "--to", "127.0.0.1:9"])
        defer { proxy.stop() }
        _ = try proxy.port(after: "listening")
        let maps = try String(contentsOfFile: "/proc/\(proxy.pid)/maps", encoding: .utf8)
        let libraries = Set(maps.split(separator: "\n").compactMap { $0.split(separator: "/").last.map(String.init) })
        #expect(libraries.contains("libc.so.6"), "\(libraries.sorted())")
        // Foundation loads ICU's data and FoundationInternationalization: about 6 MB resident per proxy.
        for library in ["libFoundation.so", "libFoundationInternationalization.so", "lib_FoundationICU.so"] {
            #expect(!libraries.contains(library), "\(libraries.sorted())")
        }
        // Linked in statically (Package.swift, MeshProxy's linker settings): about 3 MB less again.
        for library in ["libswiftCore.so", "libFoundationEssentials.so"] {
            #expect(!libraries.contains(library), "\(libraries.sorted())")
        }
    }
}
