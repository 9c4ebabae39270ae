import NIOCore
import NIOHPACK
import NIOHTTP2

/// Frames from the connection handler, and the send-side flow control: a stream's frames wait (in order) while it
/// has no slot under the server's SETTINGS_MAX_CONCURRENT_STREAMS (client role) or its DATA no window (RFC 9113
/// §5.1.2, §6.9).
extension HTTP2Codec {
    func send(_ payload: HTTP2Frame.FramePayload, on id: Int32) {
        switch payload {
        case .headers(let headers):
            if let index = streams.index(of: id) {
                if streams[index].opened && streams[index].held.isEmpty {
                    sendHeaders(headers, at: index)
                    closeIfDone(id)
                } else {
                    hold(payload, at: index)
                }
            } else {
                sendOnNewStream(id, headers)
            }
        case .data(let data):
            guard case .byteBuffer(let bytes) = data.data else { return }
            sendData(bytes, endStream: data.endStream, on: id)
        case .rstStream(let code):
            guard let index = streams.index(of: id) else { return }
            // A stream still waiting for a slot never opened: it ends without a frame.
            if streams[index].opened { append { HTTP2FrameWriter.rstStream(code, stream: id, into: &$0) } }
            close(at: index, reason: code)
            // The handler found the peer's stream malformed (`HTTP2FieldRules`, a wrong content-length).
            if code == .protocolError { streamErrorSent() }
        case .windowUpdate(let increment):
            // A stream that stopped receiving (or ended) needs no window; the connection's is the codec's.
            guard let index = streams.index(of: id), streams[index].opened, !streams[index].receivedEnd else { return }
            streams[index].receiveWindow += increment
            append { HTTP2FrameWriter.windowUpdate(increment, stream: id, into: &$0) }
        default:
            // Nothing else is written by the connection handler (SETTINGS, PING answers and GOAWAY are the codec's).
            break
        }
    }

    /// DATA on stream `id`: sent as far as the windows allow, the rest held (behind what the stream holds already).
    func sendData(_ bytes: ByteBuffer, endStream: Bool, on id: Int32) {
        guard let index = streams.index(of: id) else { return }
        if streams[index].opened && streams[index].held.isEmpty {
            if let rest = sendData(bytes, endStream: endStream, at: index) {
                hold(.data(.init(data: .byteBuffer(rest), endStream: endStream)), at: index)
            } else {
                closeIfDone(id)
            }
        } else {
            hold(.data(.init(data: .byteBuffer(bytes), endStream: endStream)), at: index)
        }
    }

    /// A new stream, with the windows the SETTINGS both ways give it; its index in `streams`.
    func addStream(_ id: Int32) -> Int {
        streams.append(HTTP2CodecStream(
            id: id, sendWindow: peerInitialWindow, receiveWindow: max(limits.streamWindow, Self.initialWindow)))
        return streams.count - 1
    }

    func markOpened(at index: Int) {
        streams[index].opened = true
        openedStreams += 1
        lastOpenedID = streams[index].id
    }

    func hold(_ payload: HTTP2Frame.FramePayload, at index: Int) {
        streams[index].held.append(payload)
        holding = true
    }

    func sendHeaders(_ headers: HTTP2Frame.FramePayload.Headers, at index: Int) {
        let id = streams[index].id
        append { self.writer.headers(headers.headers, endStream: headers.endStream, stream: id, into: &$0) }
        if headers.endStream { streams[index].sentEnd = true }
    }

    /// Sends what the windows allow of `input`; what is left, to be held, or nil when all went.
    private func sendData(_ input: ByteBuffer, endStream end: Bool, at index: Int) -> ByteBuffer? {
        var bytes = input
        let id = streams[index].id
        while true {
            if bytes.readableBytes == 0 {
                if end {
                    append { HTTP2FrameWriter.frameHeader(&$0, length: 0, type: HTTP2RawFrame.data, flags: HTTP2RawFrame.endStream, stream: id) }
                    streams[index].sentEnd = true
                }
                return nil
            }
            let allowed = min(streams[index].sendWindow, connectionSendWindow, writer.maxFrameSize)
            guard allowed > 0 else { return bytes }
            let piece = bytes.readSlice(length: min(allowed, bytes.readableBytes))!
            let last = bytes.readableBytes == 0
            let flags = last && end ? HTTP2RawFrame.endStream : 0
            append { out in
                HTTP2FrameWriter.frameHeader(&out, length: piece.readableBytes, type: HTTP2RawFrame.data, flags: flags, stream: id)
                if piece.readableBytes <= Self.copyLimit { out.writeImmutableBuffer(piece) }
            }
            if piece.readableBytes > Self.copyLimit {
                emit()
                pass(piece)
            }
            streams[index].sendWindow -= piece.readableBytes
            connectionSendWindow -= piece.readableBytes
            if last {
                if end { streams[index].sentEnd = true }
                return nil
            }
        }
    }

    /// Sends the frames streams hold, in the order of the streams' IDs, as far as slots and windows allow. Streams
    /// waiting for a slot are the newest, so a stream that ends in this pass frees a slot for the ones after it.
    func sendHeldFrames() {
        holding = false
        var position = 0
        while position < streams.count {
            let id = streams[position].id
            if !streams[position].held.isEmpty { sendHeld(at: position) }
            if let index = streams.index(of: id), streams[index].isDone {
                close(at: index, reason: nil)
            } else {
                if !streams[position].held.isEmpty { holding = true }
                position += 1
            }
        }
    }

    private func sendHeld(at index: Int) {
        while let next = streams[index].held.first {
            switch next {
            case .headers(let headers):
                if !streams[index].opened {
                    guard openedStreams < peerMaxStreams, streams[index].id <= goAwayLastID else { return }
                    markOpened(at: index)
                }
                streams[index].held.removeFirst()
                sendHeaders(headers, at: index)
            case .data(let data):
                streams[index].held.removeFirst()
                guard case .byteBuffer(let bytes) = data.data else { continue }
                if let rest = sendData(bytes, endStream: data.endStream, at: index) {
                    streams[index].held.insert(.data(.init(data: .byteBuffer(rest), endStream: data.endStream)), at: 0)
                    return
                }
            default:
                streams[index].held.removeFirst()
            }
        }
    }
}
