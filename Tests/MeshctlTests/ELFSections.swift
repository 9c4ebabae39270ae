import Foundation

/// The section headers of a 64-bit little-endian ELF file (name, file offset, size, entry size): enough to ask how
/// many dynamic symbols a binary exports, or which of a running process's pages hold a given section.
struct ELFSections {
    struct Section {
        var name: String
        var type: UInt32
        var offset: UInt64
        var size: UInt64
        var entrySize: UInt64
    }

    let sections: [Section]

    init(path: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        func read<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
            data.subdata(in: offset..<offset + MemoryLayout<T>.size).withUnsafeBytes { $0.loadUnaligned(as: T.self) }
        }
        guard data.count > 64, data.prefix(4) == Data([0x7F, 0x45, 0x4C, 0x46]), data[4] == 2, data[5] == 1 else {
            throw NotELF(path: path)
        }
        let headers = Int(read(UInt64.self, at: 0x28))
        let headerSize = Int(read(UInt16.self, at: 0x3A))
        let count = Int(read(UInt16.self, at: 0x3C))
        let namesIndex = Int(read(UInt16.self, at: 0x3E))
        let raw = (0..<count).map { index -> (name: Int, section: Section) in
            let at = headers + index * headerSize
            return (Int(read(UInt32.self, at: at)),
                    Section(name: "", type: read(UInt32.self, at: at + 4), offset: read(UInt64.self, at: at + 0x18),
                            size: read(UInt64.self, at: at + 0x20), entrySize: read(UInt64.self, at: at + 0x38)))
        }
        let names = raw[namesIndex].section
        sections = raw.map { entry in
            var section = entry.section
            let start = Int(names.offset) + entry.name
            let end = data[start...].firstIndex(of: 0) ?? start
            section.name = String(decoding: data[start..<end], as: UTF8.self)
            return section
        }
    }

    subscript(name: String) -> Section? { sections.first { $0.name == name } }

    struct NotELF: Error, CustomStringConvertible {
        var path: String
        var description: String { "\(path) is not a 64-bit little-endian ELF file" }
    }
}
