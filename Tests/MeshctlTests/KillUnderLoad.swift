import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SIGKILLs the proxy in `slot` under a tight connect loop and a request loop (Host `host`) on `port`, and waits until
/// a new process of the slot serves. Returns the loops' counts and the new process's pid. What socket activation
/// promises is then in the counts: no refused connection, at most the one request in flight failed.
enum KillUnderLoad {
    static func run(_ harness: OperatorHarness, slot: String, port: Int, host: String) throws
        -> (connects: ConnectLoop.Counts, requests: RequestLoop.Counts, replacement: Int32?)
    {
        let victim = try #require(try harness.processes()[slot])
        let connects = ConnectLoop(port: port)
        let requests = RequestLoop(port: port, host: host)
        connects.start()
        requests.start()
        defer {
            connects.stop()
            requests.stop()
        }
        #expect(harness.eventually(10) { connects.counts.connected >= 50 && requests.counts.ok >= 10 })
        #expect(kill(victim, SIGKILL) == 0)
        var replacement: Int32?
        #expect(try harness.eventually(30) {
            replacement = try harness.processes()[slot]
            return replacement != nil && replacement != victim
        })
        let served = requests.counts.ok
        #expect(harness.eventually(30) { requests.counts.ok >= served + 20 })
        connects.stop()
        requests.stop()
        return (connects.counts, requests.counts, replacement)
    }
}
