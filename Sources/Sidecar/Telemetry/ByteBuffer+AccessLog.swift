import NIOCore

/// The few encoders an access-log line needs, writing straight into the batch buffer (no String in between).
extension ByteBuffer {
    /// 16 lower-case hex digits.
    @inline(__always)
    mutating func writeHex64(_ value: UInt64) {
        writeWithUnsafeMutableBytes(minimumWritableBytes: 16) { out in
            var cursor = ByteCursor(out.baseAddress!)
            cursor.putHex(value)
            return cursor.offset
        }
    }

    @inline(__always)
    mutating func writeHex8(_ value: UInt8) {
        let digits = ByteCursor.hexDigits.utf8Start
        writeInteger(digits[Int(value >> 4)])
        writeInteger(digits[Int(value & 0xF)])
    }

    /// A non-negative integer in decimal.
    mutating func writeDecimal(_ value: Int) {
        var v = UInt64(max(0, value))
        var count = 1
        var t = v
        while t >= 10 {
            t /= 10
            count += 1
        }
        writeWithUnsafeMutableBytes(minimumWritableBytes: count) { out in
            var i = count - 1
            while true {
                out[i] = UInt8(truncatingIfNeeded: 0x30 &+ v % 10)
                v /= 10
                if i == 0 { break }
                i -= 1
            }
            return count
        }
    }

    /// Nanoseconds as milliseconds with three decimals (`12.345`).
    mutating func writeMilliseconds(nanos: UInt64) {
        let micros = nanos / 1000
        writeDecimal(Int(micros / 1000))
        writeInteger(UInt8(ascii: "."))
        let fraction = Int(micros % 1000)
        writeInteger(UInt8(truncatingIfNeeded: 0x30 + fraction / 100))
        writeInteger(UInt8(truncatingIfNeeded: 0x30 + fraction / 10 % 10))
        writeInteger(UInt8(truncatingIfNeeded: 0x30 + fraction % 10))
    }

    /// A UUID v4 text (`8-4-4-4-12` lower-case hex) from 128 random bits: the form Envoy and most servers use for
    /// `x-request-id`.
    mutating func writeUUID(_ a: UInt64, _ b: UInt64) {
        let high = (a & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let low = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        writeWithUnsafeMutableBytes(minimumWritableBytes: 36) { out in
            let digits = ByteCursor.hexDigits.utf8Start
            var o = 0
            for k in 0..<32 {
                if k == 8 || k == 12 || k == 16 || k == 20 {
                    out[o] = UInt8(ascii: "-")
                    o += 1
                }
                let word = k < 16 ? high : low
                let shift = UInt64(60 - 4 * (k % 16))
                out[o] = digits[Int((word >> shift) & 0xF)]
                o += 1
            }
            return 36
        }
    }

    /// `bytes` as the inside of a JSON string: quote, backslash and control bytes escaped; bytes above 0x7F as
    /// `\u00XX`, so a line stays valid JSON (UTF-8) whatever a client sent.
    mutating func writeJSONEscaped(_ bytes: UnsafeRawBufferPointer) {
        var plain = true
        for c in bytes where c < 0x20 || c == 0x22 || c == 0x5C || c >= 0x7F {
            plain = false
            break
        }
        if plain {
            writeBytes(bytes)
            return
        }
        let digits = ByteCursor.hexDigits.utf8Start
        for c in bytes {
            switch c {
            case 0x22: writeStaticString("\\\"")
            case 0x5C: writeStaticString("\\\\")
            case 0x20..<0x7F: writeInteger(c)
            default:
                writeStaticString("\\u00")
                writeInteger(digits[Int(c >> 4)])
                writeInteger(digits[Int(c & 0xF)])
            }
        }
    }

    mutating func writeJSONEscaped(_ string: String) {
        var string = string
        string.withUTF8 { writeJSONEscaped(UnsafeRawBufferPointer($0)) }
    }
}
