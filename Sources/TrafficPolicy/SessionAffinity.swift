/// Session affinity while a canary takes part of the traffic (Flagger's `sessionAffinity`): the proxy that splits a
/// request pins its client to the backend it got, with a cookie on the response, and honours that cookie while the
/// weights move, so a client that first got the canary keeps getting it and one that got stable stays there.
///
/// Each backend that can be pinned has a cookie value of its own (the operator makes them from the rollout's
/// revision, so a cookie from an earlier rollout pins nothing). When the split no longer carries affinity (after a
/// promotion or a rollback) the cookie is simply not looked at.
public struct SessionAffinity: Sendable, Hashable {
    public let cookieName: String
    /// Seconds the browser keeps the cookie (`Max-Age`).
    public let maxAge: Int
    /// The cookie value that pins each backend, by the backend's index in the split; nil: never pinned.
    public let values: [String?]

    public init(cookieName: String, maxAge: Int, values: [String?]) {
        self.cookieName = cookieName
        self.maxAge = maxAge
        self.values = values
    }

    /// What to do with one request: the backend and, when the client is not pinned to it yet, the `Set-Cookie`
    /// value for the response.
    public struct Decision: Sendable, Hashable {
        public var backend: Int
        public var setCookie: String?
    }

    /// The backend for a request whose `Cookie` field is `cookieHeader`: the pinned one while `canServe` says it
    /// can take the request, else the one `pick` chooses by weight, pinned from now on (nil when `pick` has none).
    public func decide(cookieHeader: String?, canServe: (Int) -> Bool, pick: () -> Int?) -> Decision? {
        if let pinned = pinnedBackend(cookieHeader: cookieHeader), canServe(pinned) {
            return Decision(backend: pinned, setCookie: nil)
        }
        guard let chosen = pick() else { return nil }
        return Decision(backend: chosen, setCookie: setCookie(for: chosen))
    }

    /// The backend the request's cookie pins, if its value is one of ours.
    public func pinnedBackend(cookieHeader: String?) -> Int? {
        guard let value = cookieHeader.flatMap(cookieValue) else { return nil }
        return values.firstIndex { $0 == value }
    }

    /// `NAME=VALUE; Max-Age=N; Path=/; HttpOnly` for the backend, or nil when it has no value.
    public func setCookie(for backend: Int) -> String? {
        guard values.indices.contains(backend), let value = values[backend] else { return nil }
        return "\(cookieName)=\(value); Max-Age=\(maxAge); Path=/; HttpOnly"
    }

    /// Our cookie's value in a `Cookie` field (`a=1; NAME=v; b=2`, RFC 6265 §4.2.1); the first one if repeated.
    func cookieValue(_ header: String) -> String? {
        for pair in header.split(separator: ";") {
            let trimmed = pair.drop { $0 == " " || $0 == "\t" }
            guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == cookieName else { continue }
            var value = trimmed[trimmed.index(after: equals)...]
            while value.last == " " || value.last == "\t" { value = value.dropLast() }
            if value.count >= 2, value.first == "\"", value.last == "\"" { value = value.dropFirst().dropLast() }
            return String(value)
        }
        return nil
    }
}
