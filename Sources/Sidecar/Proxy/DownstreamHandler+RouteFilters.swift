import NIOCore
import SidecarConfig

extension DownstreamHandler {
    /// Carries out the chosen HTTPRoute rule's filters on the routed request: a redirect is answered here and the
    /// request goes nowhere (true: the request is done); header modifiers and a URL rewrite change the head sent
    /// upstream (and so any mirrored copy); response header edits wait for the response head
    /// (`routeResponseEdits`).
    func applyRouteFilters(_ filters: RouteFilters) -> Bool {
        routeResponseEdits = filters.responseHeaders
        guard let head = upstreamHead else { return false }
        if let redirect = filters.redirect {
            let location = RouteFilterEdits.location(redirect, requestHead: .init(head))
            logAccess(status: redirect.statusCode, reason: "redirect")
            let keep = keepAliveAfter && requestFramer.isDone
            sendLocally(RouteFilterEdits.redirectResponse(
                status: redirect.statusCode, location: location, keepAlive: keep, allocator: allocator), keepAlive: keep)
            return true
        }
        if filters.requestHeaders != nil || filters.rewrite != nil {
            upstreamHead = RouteFilterEdits.requestHead(head, filters: filters, allocator: allocator)
        }
        return false
    }

    /// The response head for the client with the rule's `ResponseHeaderModifier` applied.
    func editedResponseHead(_ head: ByteBuffer) -> ByteBuffer {
        guard let edits = routeResponseEdits else { return head }
        return RouteFilterEdits.responseHead(head, edits: edits, allocator: allocator)
    }
}
