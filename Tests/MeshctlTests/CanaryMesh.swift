/// Canary meshes for end-to-end tests: web (the root, no workload of its own) splits between web-primary (v1) and
/// web-canary, by a TrafficSplit (`manifests`) or an HTTPRoute (`routeManifests`). One copy of the three Services
/// serves every canary test.
enum CanaryMesh {
    /// The TrafficSplit mesh: the rollout stops at 30 % on an open-ended pause, so a test can look at (or restart the
    /// operator during) a rollout that holds still.
    static func manifests(root: Int, primary: Int, canary: Int, canaryVersion: String) -> String {
        services(root: root, primary: primary, canary: canary, canaryArgs: "--version, \(canaryVersion)", healthCheck: true) + """
        ---
        apiVersion: split.smi-spec.io/v1alpha4
        kind: TrafficSplit
        metadata: {name: web}
        spec:
          service: web
          backends:
          - {service: web-primary, weight: 100}
          - {service: web-canary, weight: 0}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Rollout
        metadata: {name: web}
        spec:
          trafficSplit: web
          progressDeadline: 2m
          canary:
            stableService: web-primary
            canaryService: web-canary
            steps:
            - setWeight: 30
            - pause: {}
            analysis:
              interval: 1s
              threshold: 3
              minRequests: 5
              metrics:
              - name: request-success-rate
                thresholdRange: {min: 99}
              - name: request-duration
                thresholdRange: {max: 500}
                percentile: 99

        """
    }

    /// The HTTPRoute mesh: one rule holding web-primary at 100 and web-canary at 0, and a canary Rollout over that
    /// route (`spec.httpRoute`, progress deadline 2 minutes) whose steps, analysis and the rest are `rollout`: the
    /// lines under `canary:` after the stable and canary services, each indented by four spaces.
    /// - Parameter canaryArgs: what web-canary runs after `meshctl demo-app` (`--version, v2`).
    static func routeManifests(root: Int, primary: Int, canary: Int, canaryArgs: String, rollout: String) -> String {
        services(root: root, primary: primary, canary: canary, canaryArgs: canaryArgs, healthCheck: false) + """
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: web}
        spec:
          parentRefs: [{name: web}]
          rules:
          - backendRefs: [{name: web-primary, port: 80, weight: 100}, {name: web-canary, port: 80, weight: 0}]
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Rollout
        metadata: {name: web}
        spec:
          httpRoute: web
          progressDeadline: 2m
          canary:
            stableService: web-primary
            canaryService: web-canary
        \(rollout)

        """
    }

    /// web on `root` with nothing of its own, web-primary running v1 and web-canary running `canaryArgs`, each with
    /// the demo app's health check when `healthCheck` (the operator then waits for it before listing a replica).
    static func services(root: Int, primary: Int, canary: Int, canaryArgs: String, healthCheck: Bool) -> String {
        let check = healthCheck ? "\n  healthCheck: {path: /healthz, interval: 1s, timeout: 500ms}" : ""
        return """
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web}
        spec: {port: \(root)}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web-primary}
        spec:
          port: \(primary)
          command: [meshctl, demo-app, --version, v1]\(check)
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web-canary}
        spec:
          port: \(canary)
          command: [meshctl, demo-app, \(canaryArgs)]\(check)

        """
    }
}
