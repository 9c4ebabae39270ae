/// A canary mesh for end-to-end tests: web splits between web-primary (v1) and web-canary; the rollout stops at 30 %
/// on an open-ended pause, so a test can look at (or restart the operator during) a rollout that holds still.
enum CanaryMesh {
    static func manifests(root: Int, primary: Int, canary: Int, canaryVersion: String) -> String {
        """
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
          command: [meshctl, demo-app, --version, v1]
          healthCheck: {path: /healthz, interval: 1s, timeout: 500ms}
        ---
        apiVersion: mesh.meshctl.dev/v1alpha1
        kind: Service
        metadata: {name: web-canary}
        spec:
          port: \(canary)
          command: [meshctl, demo-app, --version, \(canaryVersion)]
          healthCheck: {path: /healthz, interval: 1s, timeout: 500ms}
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
}
