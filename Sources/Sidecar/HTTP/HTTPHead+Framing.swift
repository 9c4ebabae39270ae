extension HTTPHead {
    /// How a request's body is delimited (RFC 9112 §6.3): Content-Length, chunked, or none.
    var requestFraming: BodyFraming {
        if let contentLength { return .contentLength(contentLength) }
        return chunked ? .chunked : .none
    }

    /// How a response's body is delimited (RFC 9112 §6.3): none for HEAD and 204/304, chunked, Content-Length, or
    /// the close.
    func responseFraming(toHead: Bool) -> BodyFraming {
        if toHead || status == 204 || status == 304 { return .none }
        if chunked { return .chunked }
        if let contentLength { return .contentLength(contentLength) }
        return .untilClose
    }
}
