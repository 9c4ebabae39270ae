// Parse cost of the hot path: one wrk-style request head and one nginx-style response head per iteration. Run by
// fuzz/proxy/parse-cost.sh under callgrind (instruction counts do not depend on what else the machine runs).
import Foundation
let request = Array("GET /index.html HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: wrk\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n".utf8)
let response = Array("HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Sat, 28 Nov 2026 00:00:00 GMT\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: keep-alive\r\n\r\n".utf8)
@main struct Bench {
    static func main() {
        var reqParser = HTTPHeadParser(kind: .request)
        var respParser = HTTPHeadParser(kind: .response)
        var head = HTTPHead()
        let n = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1])! : 3_000_000
        var best = Double.infinity
        var sink = 0
        for _ in 0..<(CommandLine.arguments.count > 1 ? 1 : 5) {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<n {
                _ = request.withUnsafeBytes { reqParser.parse($0, into: &head) }
                sink &+= head.length
                _ = response.withUnsafeBytes { respParser.parse($0, into: &head) }
                sink &+= head.fields.count
            }
            let ns = Double(DispatchTime.now().uptimeNanoseconds - start) / Double(n)
            best = min(best, ns)
        }
        print(String(format: "%.1f ns per request+response head", best), sink == 42 ? "" : "")
    }
}
