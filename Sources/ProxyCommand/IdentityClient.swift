import Logging
import MeshIdentity
import NIOCore
import OperatorAPI
import Sidecar

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Gets the proxy its workload certificate from the operator and keeps it fresh: a new key made here for every
/// certificate (it never leaves the process), a CSR over the operator's owner-only API socket, the answer
/// installed into `MeshTLS`; then again at 70 % of the certificate's life (docs/identity.md).
struct IdentityClient: Sendable {
    let service: String
    let socketPath: String
    let tls: MeshTLS
    /// Certificate lifetime asked for, in seconds (nil: the CA's default, 24 h); tests shorten it to watch renewals.
    let lifetimeSeconds: Double?
    /// The proxy's event loop when it serves on one (`mesh-proxy --threads 1`): the CSR's connection and the wait
    /// between renewals run there, so the process keeps its one thread. nil: NIO's singleton group and `Task.sleep`.
    var eventLoop: (any EventLoop)? = nil

    enum Failure: Error, CustomStringConvertible {
        case refused(Int, String)
        var description: String {
            switch self { case .refused(let status, let body): return "the operator refused the CSR (\(status)): \(body)" }
        }
    }

    /// One CSR and install; returns the certificate, whose `renewAt` says when to come back.
    @discardableResult
    func renew() async throws -> IssuedCertificate {
        let key = WorkloadKey()
        let request = CertificateRequest(service: service, csr: try key.signingRequestPEM(service: service),
                                         lifetimeSeconds: lifetimeSeconds)
        let response = try await APIClient(socketPath: socketPath, timeout: .seconds(5), group: eventLoop)
            .send("POST", "/v1/identity/certificates", body: Array(try JSONEncoder().encode(request)))
        guard response.status == 200 else { throw Failure.refused(response.status, String(decoding: response.body, as: UTF8.self)) }
        let issued = try JSONDecoder().decode(IssuedCertificate.self, from: Data(response.body))
        try tls.install(certificatePEM: issued.certificatePEM, keyPEM: key.pem, trustBundlePEM: issued.trustBundlePEM)
        return issued
    }

    /// A renewal asked for from outside (anchor rotation): the new leaf's identity, signer and expiry, as JSON.
    func renewNowAnswer() async throws -> String {
        let issued = try await renew()
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        struct Answer: Encodable { let identity: String; let anchorGeneration: Int; let notAfter: Date }
        let body = try encoder.encode(Answer(identity: issued.identity, anchorGeneration: issued.anchorGeneration,
                                             notAfter: issued.notAfter))
        return String(decoding: body, as: UTF8.self) + "\n"
    }

    /// Renews at each certificate's `renewAt` until cancelled. A failed renewal is retried while the old
    /// certificate keeps serving: every 5 s, or every third of what is left of it when that is sooner (a leaf of a
    /// few seconds, `meshctl up --cert-lifetime`, still gets several tries before it expires).
    func keepFresh(first: IssuedCertificate, logger: Logger) async {
        var current = first
        var next = first.renewAt
        while !Task.isCancelled {
            let wait = max(0.05, next.timeIntervalSinceNow)
            await pause(milliseconds: Int64(wait * 1000))
            if Task.isCancelled { return }
            do {
                current = try await renew()
                next = current.renewAt
                logger.info("certificate renewed", metadata: ["service": "\(service)", "notAfter": "\(current.notAfter)"])
            } catch {
                let retry = min(5, max(1, current.notAfter.timeIntervalSinceNow / 3))
                logger.warning("certificate renewal failed; retrying", metadata: ["error": "\(error)", "in": "\(retry)s"])
                next = Date().addingTimeInterval(retry)
            }
        }
    }

    /// Waits, or returns early when the task is cancelled. On the proxy's loop a scheduled task: `Task.sleep` would
    /// wake on a libdispatch timer, which starts libdispatch's threads.
    private func pause(milliseconds: Int64) async {
        guard let eventLoop else {
            try? await Task.sleep(for: .milliseconds(milliseconds))
            return
        }
        let wake = eventLoop.scheduleTask(in: .milliseconds(milliseconds)) {}
        await withTaskCancellationHandler {
            _ = try? await wake.futureResult.get()
        } onCancel: {
            wake.cancel()
        }
    }
}
