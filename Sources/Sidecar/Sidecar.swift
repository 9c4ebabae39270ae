import SidecarConfig

/// The HTTP/1.1 data plane. Entry points: `ProxyServer` (listeners, admin, hot swap, drain) and
/// `Sidecar.quickConfiguration` for `meshctl proxy --listen … --to …`.
public enum Sidecar {
    /// The configuration of quick mode: one listener forwarding to `endpoints`, round-robin, no retries.
    public static func quickConfiguration(
        listen: HostPort, endpoints: [HostPort], timeout: Duration? = nil, appProtocol: ServiceConfig.AppProtocol = .http
    ) -> SidecarConfiguration {
        SidecarConfiguration(
            version: "quick",
            listeners: [Listener(name: "inbound", kind: .inbound, address: listen.description, service: "upstream")],
            services: [
                ServiceConfig(
                    name: "upstream", endpoints: endpoints.map(\.description), appProtocol: appProtocol,
                    loadBalancer: .roundRobin)
            ],
            defaultRequestTimeout: timeout)
    }
}
