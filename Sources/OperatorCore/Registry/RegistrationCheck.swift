import DurationText
import Manifests
import OperatorAPI
import SidecarConfig

/// Checks a registration against the applied Services: every problem at once, nothing registered when any.
enum RegistrationCheck {
    /// TTLs outside this range are refused: below a second a heartbeat could not keep up across a loaded machine;
    /// past a day a dead instance would linger.
    static let ttlRange: ClosedRange<Duration> = .seconds(1) ... .seconds(86_400)

    struct Checked: Sendable {
        var service: String
        var address: Service.Endpoint
        var ttl: Duration?
    }

    /// `needsTTL` for a registration; a heartbeat or deregistration names only service and address.
    static func check(_ request: RegistrationRequest, services: [String: Service], needsTTL: Bool)
        -> Result<Checked, RegistrationFailure>
    {
        var problems: [String] = []
        // The status names the first problem: no such Service 404, one that refuses 403, the request itself 400.
        var status = 400
        if let service = services[request.service] {
            if service.spec.registration?.allowed != true {
                status = 403
                problems.append("service/\(request.service) does not accept registrations "
                                + "(set spec.registration.allowed: true in its manifest)")
            }
        } else {
            status = 404
            problems.append("service/\(request.service) not found")
        }
        var address: Service.Endpoint?
        if let parsed = HostPort(parsing: request.address), parsed.port > 0 {
            address = Service.Endpoint(host: parsed.host, port: parsed.port)
        } else {
            problems.append("address: expected HOST:PORT with a port from 1 to 65535, such as 127.0.0.1:9000 "
                            + "or [::1]:9000, got \"\(request.address)\"")
        }
        var ttl: Duration?
        if needsTTL {
            if let text = request.ttl {
                do {
                    let value = try Duration(parsing: text)
                    if ttlRange.contains(value) { ttl = value } else {
                        problems.append("ttl: must be from 1s to 24h, got \(text)")
                    }
                } catch {
                    problems.append("ttl: \(error)")
                }
            } else {
                problems.append("ttl: required, a duration such as 10s")
            }
        }
        guard problems.isEmpty, let address else { return .failure(RegistrationFailure(status: status, errors: problems)) }
        return .success(Checked(service: request.service, address: address, ttl: ttl))
    }
}

/// A refused registration request: the HTTP status for its first problem and every problem.
struct RegistrationFailure: Error, Sendable, Hashable {
    var status: Int
    var errors: [String]
}
