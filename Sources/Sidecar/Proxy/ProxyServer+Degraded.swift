#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import SidecarConfig

extension ProxyServer {
    /// What `GET /config` answers: the running configuration, plus, when some routes are degraded, a `degraded`
    /// list of `{path, reason}` so the operator can show them (a configuration that is used whole is answered byte
    /// for byte as before).
    public func configurationAnswer() -> Data {
        let configuration = self.configuration
        let json = configuration.encodedJSON()
        let degraded = configuration.degradedRoutes()
        guard !degraded.isEmpty, let open = json.firstIndex(of: UInt8(ascii: "{")) else { return json }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let list = try? encoder.encode(degraded) else { return json }
        var out = Data(json[...open])
        out.append(contentsOf: Array("\n  \"degraded\" : ".utf8))
        out.append(list)
        out.append(UInt8(ascii: ","))
        out.append(json[json.index(after: open)...])
        return out
    }
}
