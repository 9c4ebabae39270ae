import NIOCore
import NIOPosix
import SidecarConfig
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One bound listening socket of a running proxy, keyed by its configured address. The listener's name (what its
/// requests are routed and counted by) is read at each accept, so a configuration that renames the listener of an
/// address keeps the socket: nothing is closed and rebound.
final class ListenerSocket: Sendable {
    /// Connections the kernel queues per listener before this proxy accepts them (the operator's kept sockets too).
    static let backlog: Int32 = 1024
    /// The address as configured (port 0 stays 0 here; `bound` has the real one).
    let configured: String
    /// What accepts: NIO's server channel for a socket of our own, or for a socket shared with other processes
    /// (`inherited`) a thread of our own (`SharedSocketAcceptor`).
    private let channel: (any Channel)?
    private let acceptor: SharedSocketAcceptor?
    let bound: HostPort
    private let name: ListenerName

    var currentName: String { name.value }

    func rename(_ newName: String) { name.value = newName }

    private init(configured: String, channel: (any Channel)?, acceptor: SharedSocketAcceptor? = nil, bound: HostPort,
                 name: ListenerName) {
        self.configured = configured
        self.channel = channel
        self.acceptor = acceptor
        self.bound = bound
        self.name = name
    }

    /// Binds `address`. With `accepting: false` the socket is bound and listening (the kernel queues connections)
    /// but nothing is accepted until `startAccepting()`: a listener added at run time waits until every event loop
    /// has the configuration that routes it.
    ///
    /// With `reusePort`, another process of the same user may bind the same address at the same time: that is how a
    /// replacement proxy starts beside the one it replaces. The newest socket then takes every new connection
    /// (`ReusePortSteering`), so the old one only finishes what it has and can close without resetting a
    /// connection still waiting in its accept queue.
    ///
    /// With `inherited` (a listening socket the operator keeps open across this proxy's restarts: `InheritedSocket`)
    /// nothing is bound: the proxy accepts from that socket, sharing its one accept queue with any other process
    /// given it (the proxy it replaces, new-before-old), so there is no second socket whose queue a close would reset.
    /// It accepts on a thread of its own (`SharedSocketAcceptor`), not through NIO's server channel.
    ///
    /// With `held` (a gateway's listening socket the operator keeps: `ListenerPassing`) nothing is bound either, but
    /// NIO's server channel accepts from it: no other process accepts from that socket while this one runs (a
    /// replacement gateway binds its own), so there is no shared queue to wake two processes for, and no accept thread
    /// (a second thread makes every descriptor call of the proxy take the kernel's shared-files path).
    static func bind(
        name: String, address: HostPort, configured: String, group: any EventLoopGroup, reusePort: Bool,
        inherited: Int32? = nil, held: Int32? = nil, accepting: Bool,
        handler: @escaping @Sendable (any Channel, String) throws -> Void
    ) async throws -> ListenerSocket {
        let nameBox = ListenerName(name)
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: backlog)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.autoRead, value: accepting)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try handler(channel, nameBox.value) }
            }
        if let inherited {
            let acceptor = try SharedSocketAcceptor(listener: inherited, group: group, accepting: accepting) { channel in
                try handler(channel, nameBox.value)
            }
            return ListenerSocket(configured: configured, channel: nil, acceptor: acceptor, bound: address, name: nameBox)
        }
        if let held {
            let channel = try await bootstrap.withBoundSocket(held).get()
            // NIO listens again with its default backlog (128) when it wraps a socket: back to the operator's.
            _ = Glibc.listen(held, backlog)
            let bound = HostPort(host: address.host, port: channel.localAddress?.port ?? address.port)
            return ListenerSocket(configured: configured, channel: channel, bound: bound, name: nameBox)
        }
        if reusePort {
            // NIO names no `so_reuseport`; the raw option is the same setsockopt.
            bootstrap = bootstrap.serverChannelOption(
                ChannelOptions.Types.SocketOption(level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(SO_REUSEPORT)), value: 1)
        }
        let channel = try await bootstrap.bind(host: address.host, port: address.port).get()
        if reusePort {
            do {
                try await ReusePortSteering.preferNewest(channel)
            } catch {
                try? await channel.close()
                throw error
            }
        }
        let bound = HostPort(host: address.host, port: channel.localAddress?.port ?? address.port)
        return ListenerSocket(configured: configured, channel: channel, bound: bound, name: nameBox)
    }

    /// Starts accepting on a socket bound with `accepting: false`.
    func startAccepting() async {
        acceptor?.startAccepting()
        try? await channel?.setOption(.autoRead, value: true).get()
    }

    func close() async {
        acceptor?.close()
        try? await channel?.close()
    }
}

/// The name a listener's new connections get; shared by the socket and its accept path.
private final class ListenerName: Sendable {
    private let storage: Mutex<String>

    init(_ name: String) { storage = Mutex(name) }

    var value: String {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
