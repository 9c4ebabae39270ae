import NIOCore
import SidecarConfig

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One event loop's side of the access log: lines are encoded into a batch buffer on the loop, and the batch goes
/// to the `AccessLogWriter` when it reaches `batchBytes` or `flushInterval` after its first line, whichever comes
/// first. Per request that is a few hundred bytes copied and no system call.
///
/// Confined to its event loop, like `LoopContext`.
final class AccessLogSink {
    static let batchBytes = 32 * 1024
    static let flushInterval = TimeAmount.milliseconds(100)

    let writer: AccessLogWriter
    /// `"proxy":"…",` encoded once.
    let proxyField: ByteBuffer
    private let eventLoop: any EventLoop
    private var batch: ByteBuffer
    private var flushTask: Scheduled<Void>?
    /// The `YYYY-MM-DDTHH:MM:SS` of `cachedSecond`: formatting a date per request would cost more than the rest
    /// of the line.
    private var cachedSecond = -1
    private var cachedStamp = [UInt8](repeating: 0, count: 19)

    init(writer: AccessLogWriter, proxy: String, eventLoop: any EventLoop) {
        self.writer = writer
        self.eventLoop = eventLoop
        var field = ByteBuffer()
        field.writeStaticString("\"proxy\":\"")
        field.writeJSONEscaped(proxy)
        field.writeStaticString("\",")
        self.proxyField = field
        self.batch = ByteBuffer()
        batch.reserveCapacity(Self.batchBytes + 4096)
    }

    /// Appends one line; `body` writes everything after `{"ts":"…",` and before the closing `}`.
    @inline(__always)
    func line(startedAt: UInt64, now: UInt64, _ body: (inout ByteBuffer) -> Void) {
        let wasEmpty = batch.readableBytes == 0
        batch.writeStaticString("{\"ts\":\"")
        writeTimestamp(nanosAgo: now &- startedAt)
        batch.writeStaticString("\",")
        batch.writeImmutableBuffer(proxyField)
        body(&batch)
        batch.writeStaticString("}\n")
        if batch.readableBytes >= Self.batchBytes {
            flush()
        } else if wasEmpty && flushTask == nil {
            let bound = NIOLoopBound(self, eventLoop: eventLoop)
            flushTask = eventLoop.scheduleTask(in: Self.flushInterval) {
                bound.value.flushTask = nil
                bound.value.flush()
            }
        }
    }

    /// Hands the batch to the writer now.
    func flush() {
        flushTask?.cancel()
        flushTask = nil
        guard batch.readableBytes > 0 else { return }
        writer.write(batch)
        // A new buffer per batch (not per line): the old one belongs to the writer thread until it is written.
        batch = ByteBuffer()
        batch.reserveCapacity(Self.batchBytes + 4096)
    }

    /// RFC 3339 UTC with milliseconds, of the wall-clock time `nanosAgo` before now.
    private func writeTimestamp(nanosAgo: UInt64) {
        var total = WallClock.nanoseconds() - Int64(min(nanosAgo, 1 << 62))
        if total < 0 { total = 0 }
        let second = Int(total / 1_000_000_000)
        let millis = Int(total / 1_000_000 % 1000)
        if second != cachedSecond {
            cachedSecond = second
            cachedStamp = Self.civil(second)
        }
        batch.writeBytes(cachedStamp)
        batch.writeInteger(UInt8(ascii: "."))
        batch.writeInteger(UInt8(truncatingIfNeeded: 0x30 + millis / 100))
        batch.writeInteger(UInt8(truncatingIfNeeded: 0x30 + millis / 10 % 10))
        batch.writeInteger(UInt8(truncatingIfNeeded: 0x30 + millis % 10))
        batch.writeInteger(UInt8(ascii: "Z"))
    }

    /// `YYYY-MM-DDTHH:MM:SS` of a Unix time, by `CivilDate` (no libc time zone state).
    static func civil(_ unixSeconds: Int) -> [UInt8] {
        let days = unixSeconds / 86_400
        let secondOfDay = unixSeconds % 86_400
        let (year, month, day) = CivilDate.date(days: days)
        var out = [UInt8]()
        out.reserveCapacity(19)
        func put(_ value: Int, _ width: Int) {
            var digits = [UInt8](repeating: 0x30, count: width)
            var v = value
            for i in stride(from: width - 1, through: 0, by: -1) {
                digits[i] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
                v /= 10
            }
            out.append(contentsOf: digits)
        }
        put(year, 4)
        out.append(UInt8(ascii: "-"))
        put(month, 2)
        out.append(UInt8(ascii: "-"))
        put(day, 2)
        out.append(UInt8(ascii: "T"))
        put(secondOfDay / 3600, 2)
        out.append(UInt8(ascii: ":"))
        put(secondOfDay / 60 % 60, 2)
        out.append(UInt8(ascii: ":"))
        put(secondOfDay % 60, 2)
        return out
    }
}
