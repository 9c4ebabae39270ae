#if canImport(Glibc)
import Glibc
#endif

extension PrometheusSample {
    /// The non-zero `mesh_*` samples of a text. Every sidecar lists every service of the mesh with all its status
    /// classes and buckets (120 KB at 50 services), nearly all zero; a zero adds nothing to a sum or a difference,
    /// so those lines are dropped on their bytes (memchr per line) before any label is parsed.
    static func parseNonZeroMesh(_ text: String) -> [PrometheusSample] {
        parseNonZeroMesh(bytes: Array(text.utf8))
    }

    /// As above, straight from a response body: no UTF-8 check of the whole text, only of the lines kept.
    static func parseNonZeroMesh(bytes body: [UInt8]) -> [PrometheusSample] {
        var samples: [PrometheusSample] = []
        body.withUnsafeBufferPointer { bytes in
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
                      !isZero(line, length), !isHealthyGauge(line, length)
                else { continue }
                if let sample = parse(line: UnsafeBufferPointer(start: line, count: length)) { samples.append(sample) }
            }
        }
        return samples
    }

    /// The value is written `0` (counters) or `0.0` (gauges, sums).
    private static func isZero(_ line: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        let space = UInt8(ascii: " "), zero = UInt8(ascii: "0"), dot = UInt8(ascii: ".")
        if line[length - 1] == zero && line[length - 2] == space { return true }
        return length > 4 && line[length - 1] == zero && line[length - 2] == dot && line[length - 3] == zero
            && line[length - 4] == space
    }

    /// `mesh_endpoint_healthy` is 1 for every endpoint of every service in every sidecar and stat does not use it.
    private static func isHealthyGauge(_ line: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        let name = "mesh_endpoint_healthy"
        return length > name.utf8.count && name.utf8.enumerated().allSatisfy { line[$0.offset] == $0.element }
    }
}
