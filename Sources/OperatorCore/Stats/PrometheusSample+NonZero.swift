#if canImport(Glibc)
import Glibc
#endif

extension PrometheusSample {
    /// The non-zero `mesh_*` samples of a text. Every sidecar lists every service of the mesh with all its status
    /// classes and buckets (120 KB at 50 services), nearly all zero; a zero adds nothing to a sum or a difference,
    /// so those lines are dropped on their bytes (memchr per line) before any label is parsed.
    static func parseNonZeroMesh(_ text: String) -> [PrometheusSample] {
        var samples: [PrometheusSample] = []
        var text = text
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            var start = 0
            let count = bytes.count
            while start < count {
                let newline = memchr(base + start, Int32(UInt8(ascii: "\n")), count - start)
                    .map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - base } ?? count
                let length = newline - start
                let line = base + start
                start = newline + 1
                guard length > 7, line[0] == UInt8(ascii: "m"), line[4] == UInt8(ascii: "_"),
                      !(line[length - 1] == UInt8(ascii: "0") && line[length - 2] == UInt8(ascii: " "))
                else { continue }
                samples += parse(String(decoding: UnsafeBufferPointer(start: line, count: length), as: UTF8.self))
            }
        }
        return samples
    }
}
