import NIOCore
import SidecarConfig
import Synchronization

/// What one configuration change does to the listening sockets, worked out before anything else changes.
struct ListenerChange: Sendable {
    /// Sockets the new configuration keeps, with the name each now goes by.
    var kept: [(socket: ListenerSocket, name: String)] = []
    /// Bound for the new configuration, not accepting yet.
    var added: [ListenerSocket] = []
    /// Addresses the new configuration no longer has.
    var removed: [ListenerSocket] = []

    /// The change is not going ahead: close what was bound for it.
    func abandon() async {
        for socket in added { await socket.close() }
    }
}

extension ProxyServer {
    /// Binds every address `new` has and the running listeners do not (not accepting yet). Throws, having closed
    /// them again, when one cannot be bound. A draining proxy binds nothing.
    func prepareListeners(for new: SidecarConfiguration) async throws(ConfigError) -> ListenerChange {
        let (running, draining) = state.withLock { ($0.listeners, $0.draining) }
        guard !draining else { return ListenerChange() }
        var remaining = running
        var change = ListenerChange()
        for (index, listener) in new.listeners.enumerated() {
            guard let address = HostPort(parsing: listener.address) else { continue }
            if let kept = remaining.firstIndex(where: { Self.serves(address, $0, name: listener.name) }) {
                change.kept.append((remaining.remove(at: kept), listener.name))
                continue
            }
            do {
                change.added.append(try await bindListener(listener, address: address, accepting: false))
            } catch {
                await change.abandon()
                throw ConfigError(problems: [.init(path: "listeners[\(index)].address",
                                                   message: "cannot bind \(listener.address): \(error)")])
            }
        }
        change.removed = remaining
        return change
    }

    /// Once every event loop runs `configuration`: records it, names the kept sockets, opens the new ones for
    /// connections and closes the ones it dropped (their connections in flight finish on their own).
    func commit(_ change: ListenerChange, configuration: SidecarConfiguration) async {
        for (socket, name) in change.kept { socket.rename(name) }
        let closeToo = state.withLock { s -> [ListenerSocket] in
            s.serve(configuration)
            // A drain that began meanwhile closed what it found; what this change bound must not outlive it.
            guard !s.draining else { return change.added }
            s.listeners = change.kept.map(\.socket) + change.added
            return []
        }
        for socket in change.added where !closeToo.contains(where: { $0 === socket }) { await socket.startAccepting() }
        for socket in change.removed + closeToo { await socket.close() }
    }

    /// Whether a running socket already is the listener on `address`: the same fixed address (also when it was
    /// first configured as port 0 and `address` names the port it got), or for port 0, the same listener.
    private static func serves(_ address: HostPort, _ socket: ListenerSocket, name: String) -> Bool {
        address.port == 0 ? socket.currentName == name && HostPort(parsing: socket.configured) == address
            : socket.bound == address
    }
}
