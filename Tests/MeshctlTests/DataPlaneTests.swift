import Foundation
import OperatorAPI
import Testing

#if canImport(Glibc)
import Glibc
#endif
// `stat`'s and `timeval`'s members are found in whichever C module first included their header once swift-crypto
// and swift-nio-ssl are in the graph; MemberImportVisibility wants that module imported.
#if canImport(CoreFoundation)
import CoreFoundation
#endif
#if canImport(CNIOLinux)
import CNIOLinux
#endif

@testable import OperatorCore

@Suite("data-plane version")
struct DataPlaneTests {
    private func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("dp-\(UUID().uuidString)").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func modified(_ path: String) -> timespec {
        var info = stat()
        stat(path, &info)
        return info.st_mtim
    }

    private func setModified(_ path: String, _ time: timespec) {
        var times = [time, time]
        utimensat(AT_FDCWD, path, &times, 0)
    }

    @Test func theExecutableIsReadAgainOnlyWhenItsSizeOrModificationTimeChange() throws {
        let path = try file("mesh-proxy build 1")
        defer { unlink(path) }
        let first = try #require(DataPlaneFingerprint.version(of: path))
        #expect(first.count == 16)
        // Same size, same mtime (restored), other bytes: the cached version stands, the file is not read again.
        let time = modified(path)
        try Data("mesh-proxy build 2".utf8).write(to: URL(fileURLWithPath: path))
        setModified(path, time)
        #expect(DataPlaneFingerprint.version(of: path) == first)
        // A new modification time: read again, and the new content is a new version.
        setModified(path, timespec(tv_sec: time.tv_sec + 10, tv_nsec: 0))
        let second = try #require(DataPlaneFingerprint.version(of: path))
        #expect(second != first)
        #expect(DataPlaneFingerprint.hash(path: path) == second)
        #expect(DataPlaneFingerprint.version(of: path + ".missing") == nil)
    }

    @Test func theHashTellsContentApartIncludingTrailingBytes() throws {
        let a = try file("12345678")
        let b = try file("12345678\0")
        defer {
            unlink(a)
            unlink(b)
        }
        #expect(DataPlaneFingerprint.hash(path: a) != DataPlaneFingerprint.hash(path: b))
    }

    private func view(_ slot: String, _ state: String, _ dataPlane: String?, desired: String? = "bbbbbbbb") -> ProcessView {
        ProcessView(slot: slot, role: slot.split(separator: "/")[1].description, service: "s", replica: 0, pid: 1,
                    state: state, revision: "", ports: [:], configVersion: nil, desiredConfigVersion: nil, restarts: 0,
                    dataPlane: dataPlane, desiredDataPlane: slot.contains("workload") ? nil : desired)
    }

    @Test func progressCountsProxySlotsOnTheTargetVersion() throws {
        let upgrading = try #require(DataPlaneProgress([
            view("web/workload/0", "ready", nil),
            view("web/sidecar/0", "draining", "aaaaaaaa"), view("web/sidecar/0", "ready", "bbbbbbbb"),
            view("web/sidecar/1", "ready", "aaaaaaaa"), view("web/sidecar/2", "starting", "bbbbbbbb"),
            view("web/sidecar/2", "ready", "aaaaaaaa"), view("gateway/gateway/0", "ready", "bbbbbbbb"),
        ]))
        #expect(upgrading.line == "data plane: 2/4 proxies on bbbbbbbb (upgrading from aaaaaaaa)")
        let done = try #require(DataPlaneProgress([view("web/sidecar/0", "ready", "bbbbbbbb"),
                                                   view("web/sidecar/0", "exited(143)", "aaaaaaaa")]))
        #expect(done.line == "data plane: 1/1 proxies on bbbbbbbb")
        #expect(DataPlaneProgress([view("web/workload/0", "ready", nil)]) == nil)
    }
}
