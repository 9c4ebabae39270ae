import Foundation

/// Which pages of a file a running process has resident, from `/proc/PID/maps` and `/proc/PID/pagemap` (bit 63 of
/// each page's entry: present; readable by the process's owner).
struct ResidentPages {
    private struct Mapping {
        var start: UInt64
        var end: UInt64
        var fileOffset: UInt64
    }

    private let pid: Int32
    private let mappings: [Mapping]

    init(pid: Int32, file: String) throws {
        self.pid = pid
        let path = URL(fileURLWithPath: file).resolvingSymlinksInPath().path
        let maps = try String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)
        mappings = maps.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[5] == path else { return nil }
            let range = fields[0].split(separator: "-")
            guard range.count == 2, let start = UInt64(range[0], radix: 16), let end = UInt64(range[1], radix: 16),
                let offset = UInt64(fields[2], radix: 16)
            else { return nil }
            return Mapping(start: start, end: end, fileOffset: offset)
        }
    }

    /// How many pages of the file's bytes `fileOffset..<fileOffset + size` are resident in the process.
    func count(fileOffset: UInt64, size: UInt64) throws -> Int {
        let pagemap = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/\(pid)/pagemap"))
        defer { try? pagemap.close() }
        var resident = 0
        for mapping in mappings {
            let low = max(fileOffset, mapping.fileOffset)
            let high = min(fileOffset + size, mapping.fileOffset + (mapping.end - mapping.start))
            guard low < high else { continue }
            let firstPage = (mapping.start + (low - mapping.fileOffset)) / 4096
            let lastPage = (mapping.start + (high - mapping.fileOffset) - 1) / 4096
            try pagemap.seek(toOffset: firstPage * 8)
            let entries = try pagemap.read(upToCount: Int(lastPage - firstPage + 1) * 8) ?? Data()
            resident += stride(from: 0, to: entries.count, by: 8).filter { index in
                entries[entries.startIndex + index + 7] & 0x80 != 0
            }.count
        }
        return resident
    }
}
