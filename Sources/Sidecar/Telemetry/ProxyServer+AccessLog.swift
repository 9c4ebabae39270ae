import NIOCore
import SidecarConfig
import Synchronization

/// The access log's life in the server: opened at start, swapped when a configuration changes it, closed (with
/// every loop's last batch written) at the end of a drain.
extension ProxyServer {
    struct ActiveAccessLog: Sendable {
        var writer: AccessLogWriter
        var config: AccessLogConfig
    }

    /// What `config` asks for, with `--access-log` winning over the file.
    func accessLogConfig(for config: SidecarConfiguration) -> AccessLogConfig? {
        if let path = options.accessLogPath { return AccessLogConfig(path: path, proxy: config.accessLog?.proxy) }
        return config.accessLog
    }

    /// Opens the access log `config` asks for, when it is not the one open already, and gives every loop a sink
    /// for it; the previous file is closed once the loops let it go. Throws, changing nothing, when the file
    /// cannot be opened.
    func updateAccessLog(for config: SidecarConfiguration) async throws(AccessLogWriter.OpenError) {
        let wanted = accessLogConfig(for: config)
        let current = accessLog.withLock { $0 }
        if current?.config == wanted { return }
        var next: ActiveAccessLog? = nil
        if let wanted { next = ActiveAccessLog(writer: try AccessLogWriter(path: wanted.path), config: wanted) }
        let proxy = wanted?.proxy ?? "proxy@" + (config.listeners.first?.address ?? "unknown")
        await install(next.map { ($0.writer, proxy) })
        accessLog.withLock { $0 = next }
        await current?.writer.close()
    }

    /// Writes what the loops hold and closes the file (the end of a drain).
    func closeAccessLog() async {
        let current = accessLog.withLock { state -> ActiveAccessLog? in
            let value = state
            state = nil
            return value
        }
        guard let current else { return }
        await install(nil)
        await current.writer.close()
    }

    /// Flushes each loop's sink into its writer and replaces it.
    private func install(_ target: (writer: AccessLogWriter, proxy: String)?) async {
        await withTaskGroup(of: Void.self) { tasks in
            for loop in loopList {
                tasks.addTask {
                    try? await loop.eventLoop.submit {
                        loop.accessLog?.flush()
                        loop.accessLog = target.map { AccessLogSink(writer: $0.writer, proxy: $0.proxy, eventLoop: loop.eventLoop) }
                    }.get()
                }
            }
        }
    }
}
