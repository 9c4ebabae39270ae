import Foundation
import Logging
import Manifests
import MeshStore
import OperatorAPI

/// Self-registration: the loop owns the table, so a registration and the compile that lists it cannot race. A
/// change kicks a quick pass (plan from the last observation, push), the same path an apply takes; an expiry is due
/// at a known time, when `RegistrationExpiryAlarm` rings and kicks the same quick pass.
extension ReconcileLoop {
    /// Registers or renews; the answer is the instance as registered, or every reason it was refused.
    func register(_ request: RegistrationRequest) async -> Result<RegistrationView, RegistrationFailure> {
        switch RegistrationCheck.check(request, services: await registrableServices(), needsTTL: true) {
        case .failure(let refusal):
            return .failure(refusal)
        case .success(let checked):
            let ttl = Self.seconds(checked.ttl ?? .seconds(10))
            let added = registrations.register(service: checked.service, address: checked.address, ttl: ttl, now: now)
            armExpiryAlarm()
            if added {
                kick(observe: false, storeChanged: false)
                await event(service: checked.service, reason: "Registered",
                            message: "\(checked.address) registered into service/\(checked.service) (ttl \(request.ttl ?? ""))")
            }
            return .success(view(service: checked.service, address: checked.address))
        }
    }

    func heartbeat(_ request: RegistrationRequest) async -> Result<RegistrationView, RegistrationFailure> {
        switch RegistrationCheck.check(request, services: await registrableServices(), needsTTL: false) {
        case .failure(let refusal):
            return .failure(refusal)
        case .success(let checked):
            guard registrations.heartbeat(service: checked.service, address: checked.address, now: now) else {
                return .failure(RegistrationFailure(status: 404, errors: [
                    "\(checked.address) is not registered in service/\(checked.service) (expired or never registered)",
                ]))
            }
            return .success(view(service: checked.service, address: checked.address))
        }
    }

    func deregister(_ request: RegistrationRequest) async -> Result<RegistrationView?, RegistrationFailure> {
        switch RegistrationCheck.check(request, services: await registrableServices(), needsTTL: false) {
        case .failure(let refusal):
            return .failure(refusal)
        case .success(let checked):
            guard registrations.deregister(service: checked.service, address: checked.address) else {
                return .failure(RegistrationFailure(status: 404, errors: [
                    "\(checked.address) is not registered in service/\(checked.service)",
                ]))
            }
            kick(observe: false, storeChanged: false)
            await event(service: checked.service, reason: "Deregistered",
                        message: "\(checked.address) deregistered from service/\(checked.service)")
            return .success(nil)
        }
    }

    func registrationViews() -> [RegistrationView] {
        registrations.instances.values
            .sorted { ($0.service, $0.address.description) < ($1.service, $1.address.description) }
            .map { view(service: $0.service, address: $0.address) }
    }

    /// Called by each pass before it compiles: drops the instances of Services that no longer allow registration
    /// (and what expired, should the alarm not have rung yet), with an event each.
    func expireRegistrations(services: [Service]) async {
        let allowed = Set(services.filter { $0.spec.registration?.allowed == true }.map(\.metadata.name))
        let isAllowed: (String) -> Bool = { allowed.contains($0) }
        await recordExpiries(registrations.expire(now: now, allowed: isAllowed), allowed: isAllowed)
    }

    func recordExpiries(_ gone: [RegistrationTable.Instance], allowed: (String) -> Bool) async {
        for instance in gone {
            let why = allowed(instance.service) ? "missed its heartbeats (ttl \(instance.ttl)s)"
                : "its Service no longer accepts registrations"
            await event(service: instance.service, reason: "RegistrationExpired",
                        message: "\(instance.address) left service/\(instance.service): \(why)")
        }
    }

    private func view(service: String, address: Service.Endpoint) -> RegistrationView {
        let instance = registrations.instances[RegistrationTable.key(service: service, address: address)]
        return RegistrationView(service: service, address: address.description, ttlSeconds: instance?.ttl ?? 0,
                                expiresInSeconds: max((instance?.expiresAt ?? now) - now, 0))
    }

    /// The applied Services by name, from the last pass's snapshot (or the store, before the first pass).
    private func registrableServices() async -> [String: Service] {
        let objects = (try? await MeshSnapshot.load(from: store, reusing: lastSnapshot))?.objects ?? []
        var services: [String: Service] = [:]
        for case .service(let service) in objects { services[service.metadata.name] = service }
        return services
    }

    func event(service: String, reason: String, message: String) async {
        try? await store.recordEvent(NewEvent(key: MeshStore.ObjectKey(kind: "Service", name: service), type: .normal,
                                              reason: reason, message: message))
        logger.info("\(reason): \(message)")
    }

    private static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
