/// What the mesh's name server knows, and how it answers: the zone `service.mesh`, built from the same tables the
/// proxies get, replaced whole after each reconcile pass.
///
/// - `NAME.service.mesh` A: the address clients use for the Service (the gateway's, 127.0.0.1); SRV: its port
///   there, target `NAME.service.mesh.`; AAAA: no data (the gateway listens on IPv4 loopback only).
/// - `instances.NAME.service.mesh` SRV: one record per healthy endpoint (what every proxy balances over),
///   target `N.instances.NAME.service.mesh.`, whose A or AAAA record is in the additional section and answers on
///   its own.
/// - Another name under `service.mesh`: NXDOMAIN. A name outside `mesh`: REFUSED (no recursion).
public struct DNSZone: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var port: Int
        /// Healthy endpoints as `host:port` (IPv6 as `[::1]:port`).
        public var endpoints: [String]

        public init(port: Int, endpoints: [String]) {
            self.port = port
            self.endpoints = endpoints
        }
    }

    public var services: [String: Entry]
    /// Where clients reach every Service's port.
    public var serviceAddress: [UInt8]
    public var ttl: UInt32

    public init(services: [String: Entry] = [:], serviceAddress: [UInt8] = [127, 0, 0, 1], ttl: UInt32 = 1) {
        self.services = services
        self.serviceAddress = serviceAddress
        self.ttl = ttl
    }

    /// The response to a parsed query.
    public func answer(_ query: DNSMessage) -> DNSMessage {
        var response = DNSMessage(id: query.id, isResponse: true, opcode: query.opcode, isAuthoritative: true,
                                  recursionDesired: query.recursionDesired, questions: query.questions)
        guard query.opcode == 0 else {
            response.responseCode = .notImplemented
            return response
        }
        guard let question = query.questions.first, question.classCode == 1 || question.classCode == 255 else {
            response.responseCode = .refused
            return response
        }
        let labels = question.labels
        guard labels.last == "mesh" else {
            response.isAuthoritative = false
            response.responseCode = .refused
            return response
        }
        let wants = { (type: DNSType) in question.type == type || question.type == .any }
        switch labels.count {
        case 3 where labels[1] == "service":
            guard let entry = services[labels[0]] else { break }
            if wants(.a) { response.answers.append(record(labels, .a(serviceAddress))) }
            if wants(.srv) {
                response.answers.append(record(labels, .srv(priority: 0, weight: 1, port: UInt16(entry.port),
                                                            target: labels)))
                if !wants(.a) { response.additionals.append(record(labels, .a(serviceAddress))) }
            }
            return response
        case 4 where labels[0] == "instances" && labels[2] == "service":
            guard let entry = services[labels[1]] else { break }
            if wants(.srv) {
                for (index, endpoint) in entry.endpoints.enumerated() {
                    guard let (address, port) = Self.split(endpoint) else { continue }
                    let target = [String(index)] + labels
                    response.answers.append(record(labels, .srv(priority: 0, weight: 1, port: port, target: target)))
                    response.additionals.append(record(target, Self.addressData(address)))
                }
            }
            return response
        case 5 where labels[1] == "instances" && labels[3] == "service":
            guard let entry = services[labels[2]], let index = Int(labels[0]), entry.endpoints.indices.contains(index),
                let (address, _) = Self.split(entry.endpoints[index])
            else { break }
            let data = Self.addressData(address)
            if case .a = data, wants(.a) { response.answers.append(record(labels, data)) }
            if case .aaaa = data, wants(.aaaa) { response.answers.append(record(labels, data)) }
            return response
        default:
            break
        }
        response.responseCode = .nameError
        return response
    }

    private func record(_ labels: [String], _ data: DNSRecord.Data) -> DNSRecord {
        DNSRecord(labels: labels, ttl: ttl, data: data)
    }

    private static func addressData(_ address: [UInt8]) -> DNSRecord.Data {
        address.count == 16 ? .aaaa(address) : .a(address)
    }

    /// `127.0.0.1:9000` → ([127, 0, 0, 1], 9000); `[::1]:9000` → (16 bytes, 9000); names are not resolved.
    static func split(_ endpoint: String) -> ([UInt8], UInt16)? {
        guard let colon = endpoint.lastIndex(of: ":"), let port = UInt16(endpoint[endpoint.index(after: colon)...])
        else { return nil }
        var host = String(endpoint[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if let v4 = IPAddressText.ipv4(host) { return (v4, port) }
        if let v6 = IPAddressText.ipv6(host) { return (v6, port) }
        return nil
    }
}
