import NIOCore
import NIOHTTP2

/// One HTTP/2 frame as it came off the wire (RFC 9113 §4.1), its payload not interpreted yet.
struct HTTP2RawFrame {
    var type: UInt8
    var flags: UInt8
    var streamID: Int32
    var payload: ByteBuffer

    static let data: UInt8 = 0, headers: UInt8 = 1, priority: UInt8 = 2, rstStream: UInt8 = 3, settings: UInt8 = 4,
        pushPromise: UInt8 = 5, ping: UInt8 = 6, goAway: UInt8 = 7, windowUpdate: UInt8 = 8, continuation: UInt8 = 9

    static let endStream: UInt8 = 0x1, ack: UInt8 = 0x1, endHeaders: UInt8 = 0x4, padded: UInt8 = 0x8,
        priorityFlag: UInt8 = 0x20

    func has(_ flag: UInt8) -> Bool { flags & flag != 0 }

    /// Strips the padding of a DATA or HEADERS frame (RFC 9113 §6.1, §6.2): the number of padding bytes (its length
    /// byte not counted), or nil when not padded. Padding as long as the rest of the payload or longer is a
    /// PROTOCOL_ERROR.
    mutating func unpad() throws(HTTP2ConnectionError) -> Int? {
        guard has(Self.padded) else { return nil }
        guard let padding = payload.readInteger(as: UInt8.self), Int(padding) <= payload.readableBytes else {
            throw HTTP2ConnectionError(.protocolError)
        }
        payload.moveWriterIndex(to: payload.writerIndex - Int(padding))
        return Int(padding)
    }
}

/// A connection error (RFC 9113 §5.4.1): the connection answers GOAWAY with `code` and closes.
struct HTTP2ConnectionError: Error {
    let code: HTTP2ErrorCode
    init(_ code: HTTP2ErrorCode) { self.code = code }
}

/// Cuts the bytes a connection reads into frames, holding a partial frame until the rest arrives.
struct HTTP2FrameReader {
    /// The largest frame payload accepted: SETTINGS_MAX_FRAME_SIZE's default, which the proxy never raises.
    static let maxFrameSize = 16_384

    private var bytes: ByteBuffer?

    mutating func append(_ input: ByteBuffer) {
        if var held = bytes, held.readableBytes > 0 {
            var input = input
            held.writeBuffer(&input)
            bytes = held
        } else {
            bytes = input
        }
    }

    /// Reads the client magic that starts a client's preface (RFC 9113 §3.4): true once read, false until enough
    /// bytes came; other bytes are a PROTOCOL_ERROR (server role).
    mutating func readMagic() throws(HTTP2ConnectionError) -> Bool {
        guard var buffer = bytes, buffer.readableBytes >= HTTP2Preface.bytes.count else { return false }
        guard HTTP2Preface.classify(buffer) == .http2 else { throw HTTP2ConnectionError(.protocolError) }
        buffer.moveReaderIndex(forwardBy: HTTP2Preface.bytes.count)
        bytes = buffer.readableBytes > 0 ? buffer : nil
        return true
    }

    /// The next whole frame, or nil until more bytes come; a frame longer than `maxFrameSize` is a FRAME_SIZE_ERROR.
    mutating func next() throws(HTTP2ConnectionError) -> HTTP2RawFrame? {
        guard var buffer = bytes, buffer.readableBytes >= 9 else {
            if bytes?.readableBytes == 0 { bytes = nil }
            return nil
        }
        let at = buffer.readerIndex
        let high = Int(buffer.getInteger(at: at, as: UInt8.self)!)
        let low = Int(buffer.getInteger(at: at + 1, as: UInt16.self)!)
        let length = high << 16 | low
        guard length <= Self.maxFrameSize else { throw HTTP2ConnectionError(.frameSizeError) }
        guard buffer.readableBytes >= 9 + length else { return nil }
        let type = buffer.getInteger(at: at + 3, as: UInt8.self)!
        let flags = buffer.getInteger(at: at + 4, as: UInt8.self)!
        let stream = Int32(bitPattern: buffer.getInteger(at: at + 5, as: UInt32.self)! & 0x7fff_ffff)
        buffer.moveReaderIndex(forwardBy: 9)
        let payload = buffer.readSlice(length: length)!
        bytes = buffer.readableBytes > 0 ? buffer : nil
        return HTTP2RawFrame(type: type, flags: flags, streamID: stream, payload: payload)
    }
}
