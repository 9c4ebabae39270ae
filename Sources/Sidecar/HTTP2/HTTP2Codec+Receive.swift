import NIOCore
import NIOHPACK
import NIOHTTP2

/// Frames from the peer: checked against RFC 9113 §6 (a connection error is thrown, a stream error resets the
/// stream), then handed on as `HTTP2Frame`s for the connection handler's streams.
extension HTTP2Codec {
    func receive(_ input: HTTP2RawFrame, _ context: ChannelHandlerContext) throws(HTTP2ConnectionError) {
        var frame = input
        try admit(frame)
        if headerBlock != nil { return try continueHeaderBlock(frame, context) }
        // Either side's preface ends with a SETTINGS frame, the first frame it sends (RFC 9113 §3.4).
        guard receivedSettings || (frame.type == HTTP2RawFrame.settings && !frame.has(HTTP2RawFrame.ack)) else {
            throw HTTP2ConnectionError(.protocolError)
        }
        let onStream = frame.streamID != 0
        switch frame.type {
        case HTTP2RawFrame.data:
            guard onStream else { throw HTTP2ConnectionError(.protocolError) }
            try receiveData(&frame, context)
        case HTTP2RawFrame.headers:
            guard onStream else { throw HTTP2ConnectionError(.protocolError) }
            try receiveHeaders(&frame, context)
        case HTTP2RawFrame.priority:
            guard onStream else { throw HTTP2ConnectionError(.protocolError) }
            if frame.payload.readableBytes != 5, let index = streams.index(of: frame.streamID) {
                resetStream(at: index, .frameSizeError)
            }
        case HTTP2RawFrame.rstStream:
            guard onStream else { throw HTTP2ConnectionError(.protocolError) }
            guard frame.payload.readableBytes == 4 else { throw HTTP2ConnectionError(.frameSizeError) }
            let code = HTTP2ErrorCode(networkCode: Int(frame.payload.readInteger(as: UInt32.self)!))
            if let index = try receivingStream(frame.streamID) { close(at: index, reason: code) }
        case HTTP2RawFrame.settings:
            guard !onStream else { throw HTTP2ConnectionError(.protocolError) }
            try receiveSettings(&frame, context)
        case HTTP2RawFrame.pushPromise:
            // The proxy's SETTINGS disable push (RFC 9113 §6.6), and a client never pushes (§8.4).
            throw HTTP2ConnectionError(.protocolError)
        case HTTP2RawFrame.ping:
            guard !onStream else { throw HTTP2ConnectionError(.protocolError) }
            guard frame.payload.readableBytes == 8 else { throw HTTP2ConnectionError(.frameSizeError) }
            if !frame.has(HTTP2RawFrame.ack) {
                try countAnswer(context)
                append { HTTP2FrameWriter.pingAck(frame.payload, into: &$0) }
            } else {
                receivedPingAck(frame.payload)
            }
        case HTTP2RawFrame.goAway:
            guard !onStream else { throw HTTP2ConnectionError(.protocolError) }
            guard frame.payload.readableBytes >= 8 else { throw HTTP2ConnectionError(.frameSizeError) }
            receiveGoAway(&frame, context)
        case HTTP2RawFrame.windowUpdate:
            guard frame.payload.readableBytes == 4 else { throw HTTP2ConnectionError(.frameSizeError) }
            try receiveWindowUpdate(&frame, context)
        case HTTP2RawFrame.continuation:
            // No header block is under way.
            throw HTTP2ConnectionError(.protocolError)
        default:
            // Unknown frame types are ignored (RFC 9113 §5.5).
            break
        }
    }

    /// The stream a frame of the peer's is on; nil for one already closed, whose frames are ignored (RFC 9113
    /// §5.1: they may have been in flight when it ended); a stream that never opened (idle) is a connection error.
    /// Streams are the client's, odd-numbered, in either role (the proxy pushes nothing).
    func receivingStream(_ id: Int32) throws(HTTP2ConnectionError) -> Int? {
        if let index = streams.index(of: id) {
            guard streams[index].opened else { throw HTTP2ConnectionError(.protocolError) }
            return index
        }
        guard id & 1 == 1, id <= lastOpenedID else { throw HTTP2ConnectionError(.protocolError) }
        return nil
    }

    /// A stream error (RFC 9113 §5.4.2) of the peer's: RST_STREAM with `code`, and the stream ends.
    func resetStream(at index: Int, _ code: HTTP2ErrorCode) {
        let id = streams[index].id
        append { HTTP2FrameWriter.rstStream(code, stream: id, into: &$0) }
        close(at: index, reason: code)
        streamErrorSent()
    }

    /// The stream ends; the handler is told after the current frame, or at its next flush.
    func close(at index: Int, reason: HTTP2ErrorCode?) {
        let stream = streams.remove(at: index)
        if stream.opened { openedStreams -= 1 }
        if openedStreams < streams.count { holding = true }
        ended.append(StreamClosedEvent(streamID: HTTP2StreamID(stream.id), reason: reason))
        streamRemoved()
    }

    func closeIfDone(_ id: Int32) {
        if let index = streams.index(of: id), streams[index].isDone { close(at: index, reason: nil) }
    }

    private func receiveData(_ frame: inout HTTP2RawFrame, _ context: ChannelHandlerContext) throws(HTTP2ConnectionError) {
        // Every DATA frame takes its length from the connection's window, whatever its stream (RFC 9113 §6.9.1).
        let length = frame.payload.readableBytes
        connectionReceiveWindow -= length
        guard connectionReceiveWindow >= 0 else { throw HTTP2ConnectionError(.flowControlError) }
        consumed += length
        if consumed >= limits.connectionWindow / 4 {
            let increment = consumed
            append { HTTP2FrameWriter.windowUpdate(increment, stream: 0, into: &$0) }
            connectionReceiveWindow += increment
            consumed = 0
        }
        _ = try frame.unpad()
        guard let index = try receivingStream(frame.streamID) else { return }
        if streams[index].receivedEnd { return resetStream(at: index, .streamClosed) }
        streams[index].receiveWindow -= length
        if streams[index].receiveWindow < 0 { return resetStream(at: index, .flowControlError) }
        let end = frame.has(HTTP2RawFrame.endStream)
        if end { streams[index].receivedEnd = true }
        let id = frame.streamID
        sink?.receivedData(frame.payload, endStream: end, flowControlled: length, on: id)
        if end { closeIfDone(id) }
    }

    private func receiveHeaders(_ frame: inout HTTP2RawFrame, _ context: ChannelHandlerContext) throws(HTTP2ConnectionError) {
        _ = try frame.unpad()
        if frame.has(HTTP2RawFrame.priorityFlag) {
            // The deprecated priority fields (RFC 9113 §6.2) are skipped.
            guard frame.payload.readableBytes >= 5 else { throw HTTP2ConnectionError(.frameSizeError) }
            frame.payload.moveReaderIndex(forwardBy: 5)
        }
        let block = HeaderBlock(
            stream: frame.streamID, endStream: frame.has(HTTP2RawFrame.endStream), bytes: frame.payload, frames: 1)
        if frame.has(HTTP2RawFrame.endHeaders) {
            try headerBlockComplete(block, context)
        } else {
            headerBlock = block
        }
    }

    /// A header block goes on in CONTINUATION frames of its stream and nothing else (RFC 9113 §6.10), within bounds.
    private func continueHeaderBlock(_ frame: HTTP2RawFrame, _ context: ChannelHandlerContext) throws(HTTP2ConnectionError) {
        guard var block = headerBlock, frame.type == HTTP2RawFrame.continuation, frame.streamID == block.stream else {
            throw HTTP2ConnectionError(.protocolError)
        }
        headerBlock = nil
        block.frames += 1
        guard block.frames <= Self.maxContinuations,
            block.bytes.readableBytes + frame.payload.readableBytes <= 2 * limits.maxHeaderListSize
        else { throw HTTP2ConnectionError(.enhanceYourCalm) }
        var more = frame.payload
        block.bytes.writeBuffer(&more)
        if frame.has(HTTP2RawFrame.endHeaders) {
            try headerBlockComplete(block, context)
        } else {
            headerBlock = block
        }
    }

    private func headerBlockComplete(_ block: HeaderBlock, _ context: ChannelHandlerContext) throws(HTTP2ConnectionError) {
        // Decoded whatever its stream: the HPACK table must follow every block the peer encoded (RFC 7541 §2.2).
        let headers: HPACKHeaders
        do {
            headers = try decoder.decode(block.bytes)
        } catch {
            throw HTTP2ConnectionError(.compressionError)
        }
        guard let index = try streamForHeaders(block.stream) else { return }
        if streams[index].receivedEnd { return resetStream(at: index, .streamClosed) }
        if block.endStream { streams[index].receivedEnd = true }
        let payload = HTTP2Frame.FramePayload.headers(.init(headers: headers, endStream: block.endStream))
        deliver(payload, on: block.stream)
        if block.endStream { closeIfDone(block.stream) }
    }

    private func receiveSettings(_ frame: inout HTTP2RawFrame, _ context: ChannelHandlerContext) throws(HTTP2ConnectionError) {
        if frame.has(HTTP2RawFrame.ack) {
            guard frame.payload.readableBytes == 0 else { throw HTTP2ConnectionError(.frameSizeError) }
            return
        }
        guard frame.payload.readableBytes % 6 == 0 else { throw HTTP2ConnectionError(.frameSizeError) }
        var passed: HTTP2Settings = []
        while let id = frame.payload.readInteger(as: UInt16.self), let value = frame.payload.readInteger(as: UInt32.self) {
            switch id {
            // SETTINGS_HEADER_TABLE_SIZE: nothing to do, `HPACKBlockEncoder` keeps no entries in the peer's table.
            case 1: break
            case 2: guard value <= 1 else { throw HTTP2ConnectionError(.protocolError) }
            case 3: peerMaxStreams = Int(value)
            case 4:
                guard value <= 0x7fff_ffff else { throw HTTP2ConnectionError(.flowControlError) }
                try setPeerInitialWindow(Int(value))
            case 5:
                guard value >= 16_384 && value <= 16_777_215 else { throw HTTP2ConnectionError(.protocolError) }
                writer.setMaxFrameSize(Int(value))
            default: break
            }
            passed.append(HTTP2Setting(parameter: HTTP2SettingsParameter(extensionSetting: Int(id)), value: Int(value)))
        }
        receivedSettings = true
        try countAnswer(context)
        append { HTTP2FrameWriter.settingsAck(into: &$0) }
        holding = true
        deliver(.settings(.settings(passed)), on: 0)
    }

    /// A new SETTINGS_INITIAL_WINDOW_SIZE changes every stream's window by the difference (RFC 9113 §6.9.2).
    private func setPeerInitialWindow(_ value: Int) throws(HTTP2ConnectionError) {
        let change = value - peerInitialWindow
        peerInitialWindow = value
        for index in 0..<streams.count {
            streams[index].sendWindow += change
            guard streams[index].sendWindow <= 0x7fff_ffff else { throw HTTP2ConnectionError(.flowControlError) }
        }
    }

    private func receiveWindowUpdate(_ frame: inout HTTP2RawFrame, _ context: ChannelHandlerContext) throws(HTTP2ConnectionError) {
        let increment = Int(frame.payload.readInteger(as: UInt32.self)! & 0x7fff_ffff)
        let id = frame.streamID
        guard id != 0 else {
            guard increment > 0 else { throw HTTP2ConnectionError(.protocolError) }
            connectionSendWindow += increment
            guard connectionSendWindow <= 0x7fff_ffff else { throw HTTP2ConnectionError(.flowControlError) }
            holding = true
            return
        }
        guard let index = try receivingStream(id) else { return }
        guard increment > 0 else { return resetStream(at: index, .protocolError) }
        streams[index].sendWindow += increment
        guard streams[index].sendWindow <= 0x7fff_ffff else { return resetStream(at: index, .flowControlError) }
        if !streams[index].held.isEmpty { holding = true }
        deliver(.windowUpdate(windowSizeIncrement: increment), on: id)
    }

    /// The peer's GOAWAY goes to the handler; what it means for the streams is the role's (`receivedGoAway`).
    private func receiveGoAway(_ frame: inout HTTP2RawFrame, _ context: ChannelHandlerContext) {
        let last = Int32(bitPattern: frame.payload.readInteger(as: UInt32.self)! & 0x7fff_ffff)
        let code = HTTP2ErrorCode(networkCode: Int(frame.payload.readInteger(as: UInt32.self)!))
        let payload = HTTP2Frame.FramePayload.goAway(lastStreamID: HTTP2StreamID(last), errorCode: code, opaqueData: nil)
        deliver(payload, on: 0)
        receivedGoAway(lastStreamID: last)
    }

    /// Counts an answer written while the socket is not writable: past `maxAnswersWhileBlocked`, the peer is
    /// flooding (RFC 9113 §10.5).
    private func countAnswer(_ context: ChannelHandlerContext) throws(HTTP2ConnectionError) {
        guard !context.channel.isWritable else { return }
        answersWhileBlocked += 1
        guard answersWhileBlocked <= Self.maxAnswersWhileBlocked else { throw HTTP2ConnectionError(.enhanceYourCalm) }
    }
}
