import NIOCore
import NIOHPACK
import NIOHTTP2

/// Writes HTTP/2 frames (RFC 9113 §4.1, §6) into a buffer that collects a whole flush's frames; header blocks go
/// through `HPACKBlockEncoder`, split into CONTINUATION frames past the peer's SETTINGS_MAX_FRAME_SIZE.
struct HTTP2FrameWriter {
    /// The peer's SETTINGS_MAX_FRAME_SIZE.
    private(set) var maxFrameSize = HTTP2FrameReader.maxFrameSize

    /// The peer's SETTINGS_MAX_FRAME_SIZE (already checked to be within RFC 9113's range).
    mutating func setMaxFrameSize(_ size: Int) { maxFrameSize = size }

    static func frameHeader(_ out: inout ByteBuffer, length: Int, type: UInt8, flags: UInt8 = 0, stream: Int32) {
        out.writeInteger(UInt8(truncatingIfNeeded: length >> 16))
        out.writeInteger(UInt16(truncatingIfNeeded: length))
        out.writeInteger(type)
        out.writeInteger(flags)
        out.writeInteger(UInt32(bitPattern: stream))
    }

    /// HEADERS (and CONTINUATION when the block is longer than a frame).
    func headers(_ headers: HPACKHeaders, endStream: Bool, stream: Int32, into out: inout ByteBuffer) {
        let start = out.writerIndex
        out.writeRepeatingByte(0, count: 9)
        HPACKBlockEncoder.encode(headers, into: &out)
        let length = out.writerIndex - start - 9
        let end = endStream ? HTTP2RawFrame.endStream : 0
        if length <= maxFrameSize {
            out.moveWriterIndex(to: start)
            Self.frameHeader(&out, length: length, type: HTTP2RawFrame.headers, flags: end | HTTP2RawFrame.endHeaders, stream: stream)
            out.moveWriterIndex(forwardBy: length)
            return
        }
        var block = out.getSlice(at: start + 9, length: length)!
        out.moveWriterIndex(to: start)
        var type = HTTP2RawFrame.headers
        var flags = end
        while block.readableBytes > 0 {
            let piece = block.readSlice(length: min(maxFrameSize, block.readableBytes))!
            if block.readableBytes == 0 { flags |= HTTP2RawFrame.endHeaders }
            Self.frameHeader(&out, length: piece.readableBytes, type: type, flags: flags, stream: stream)
            out.writeImmutableBuffer(piece)
            type = HTTP2RawFrame.continuation
            flags = 0
        }
    }

    static func rstStream(_ code: HTTP2ErrorCode, stream: Int32, into out: inout ByteBuffer) {
        frameHeader(&out, length: 4, type: HTTP2RawFrame.rstStream, stream: stream)
        out.writeInteger(UInt32(truncatingIfNeeded: code.networkCode))
    }

    static func windowUpdate(_ increment: Int, stream: Int32, into out: inout ByteBuffer) {
        frameHeader(&out, length: 4, type: HTTP2RawFrame.windowUpdate, stream: stream)
        out.writeInteger(UInt32(truncatingIfNeeded: increment))
    }

    static func goAway(_ code: HTTP2ErrorCode, lastStream: Int32, into out: inout ByteBuffer) {
        frameHeader(&out, length: 8, type: HTTP2RawFrame.goAway, stream: 0)
        out.writeInteger(UInt32(bitPattern: lastStream))
        out.writeInteger(UInt32(truncatingIfNeeded: code.networkCode))
    }

    static func settings(_ settings: [(id: UInt16, value: UInt32)], into out: inout ByteBuffer) {
        frameHeader(&out, length: 6 * settings.count, type: HTTP2RawFrame.settings, stream: 0)
        for setting in settings {
            out.writeInteger(setting.id)
            out.writeInteger(setting.value)
        }
    }

    static func settingsAck(into out: inout ByteBuffer) {
        frameHeader(&out, length: 0, type: HTTP2RawFrame.settings, flags: HTTP2RawFrame.ack, stream: 0)
    }

    /// A PING's answer: the same 8 bytes, with ACK.
    static func pingAck(_ opaque: ByteBuffer, into out: inout ByteBuffer) {
        frameHeader(&out, length: 8, type: HTTP2RawFrame.ping, flags: HTTP2RawFrame.ack, stream: 0)
        out.writeImmutableBuffer(opaque)
    }
}
