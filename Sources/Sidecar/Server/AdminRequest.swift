import NIOCore

/// One admin request as `AdminHandler` framed it: what the answer depends on, taken out of the received bytes once
/// the head and body are in (the head's bytes are not kept).
struct AdminRequest {
    /// Why a request is answered without being looked at.
    enum Refusal {
        /// Its head or chunked body could not be parsed: 400, then the connection closes (what follows cannot be
        /// framed).
        case malformed
        /// Its body is larger than `AdminServer.maxBody`: 413 (the body was read and dropped, so the connection
        /// goes on).
        case tooLarge
    }

    var method: HTTPHead.Method
    /// The target without its query.
    var path: String
    /// `Connection: close` (or HTTP/1.0 without keep-alive) was not asked for.
    var keepAlive: Bool
    /// `AdminGuard`'s verdict, given while the head's bytes were at hand.
    var verdict: AdminGuard.Verdict
    var body: ByteBuffer
    var refusal: Refusal?

    /// The refusal of bytes that are not a request.
    static let malformed = AdminRequest(
        method: .other, path: "", keepAlive: false, verdict: .allowed, body: ByteBuffer(), refusal: .malformed)
}
