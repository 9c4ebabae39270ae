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

    @Test("mesh-proxy links no ICU: its read-only data holds no locale tables")
    func noICUData() throws {
        // The Foundation archives are on mesh-proxy's link line (Package.swift), so a module it links that imports
        // Foundation, not FoundationEssentials, links statically and loads no library the test above would see; it
        // brings ICU's ~34 MB data table into .rodata (~3 MB without), +4.3 MB of idle RSS per proxy (session 17:
        // `import Foundation` in OperatorAPI for one Thread did this).
        let rodata = try #require(try ELFSections(path: ChildProcess.meshProxy)[".rodata"])
        #expect(rodata.size < 16 << 20, "\(rodata.size) bytes of .rodata: is something importing Foundation?")
    }

    @Test("mesh-proxy exports none of its own symbols: its dynamic symbol table holds only what it imports")
    func noExportedSymbols() throws {
        // -static-stdlib's link file adds -export-dynamic, which exported ~33,000 symbols: 2.8 MB of .dynsym,
        // .dynstr and .gnu.hash that ld.so searches at every start, ~3 MB resident per proxy (Package.swift).
        let dynsym = try #require(try ELFSections(path: ChildProcess.meshProxy)[".dynsym"])
        let symbols = dynsym.size / max(dynsym.entrySize, 1)
        #expect(symbols < 2_000, "\(symbols) dynamic symbols")
    }

    @Test("a running mesh-proxy never reads the unwinder's tables: its main thread waits instead of exiting")
    func unwindTablesNotResident() throws {
        // An async main parks the main thread with dispatch_main(), whose pthread_exit force-unwinds the stack:
        // a binary search of .eh_frame_hdr that leaves most of it resident (ProxyOptions.runOnMainThread).
        let table = try #require(try ELFSections(path: ChildProcess.meshProxy)[".eh_frame_hdr"])
        let proxy = try ChildProcess(ChildProcess.meshProxy, ["--listen", "127.0.0.1:0", "--to", "127.0.0.1:9"])
        defer { proxy.stop() }
        _ = try proxy.port(after: "listening")
        Thread.sleep(forTimeInterval: 0.3)
        let resident = try ResidentPages(pid: proxy.pid, file: ChildProcess.meshProxy)
            .count(fileOffset: table.offset, size: table.size)
        let pages = (table.size + 4095) / 4096
        // Pages at the table's two ends may come in with their neighbours (fault-around); the search touches the middle.
        #expect(resident * 4 < pages, "\(resident) of \(pages) pages of .eh_frame_hdr resident")
    }
}
