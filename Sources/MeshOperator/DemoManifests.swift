/// The demo's manifests, built into the binary so `meshctl demo` needs nothing but itself: the canary example
/// (examples/canary) with short intervals and free ports.
enum DemoManifests {
    struct Ports {
        var root: Int
        var primary: Int
        var canary: Int
    }

    static func yaml(ports: Ports, canaryArguments: [String]) -> String {
        let canaryCommand = (["meshctl", "demo-app"] + canaryArguments).map { "\"\($0)\"" }.joined(separator: ", ")
        return """
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: web}
            spec: {port: \(ports.root)}
            ---
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: web-primary, labels: {app: web}}
            spec:
              port: \(ports.primary)
              command: ["meshctl", "demo-app", "--version", "v1", "--latency", "2ms"]
              replicas: 2
              healthCheck: {path: /healthz, interval: 1s, timeout: 500ms}
            ---
            apiVersion: mesh.meshctl.dev/v1alpha1
            kind: Service
            metadata: {name: web-canary, labels: {app: web}}
            spec:
              port: \(ports.canary)
              command: [\(canaryCommand)]
              replicas: 1
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
              progressDeadline: 1m
              canary:
                stableService: web-primary
                canaryService: web-canary
                steps:
                - setWeight: 20
                - pause: {duration: 3s}
                - setWeight: 50
                - pause: {duration: 3s}
                - setWeight: 80
                - pause: {duration: 3s}
                analysis:
                  interval: 3s
                  threshold: 2
                  minRequests: 20
                  metrics:
                  - name: request-success-rate
                    thresholdRange: {min: 99}
                  - name: request-duration
                    thresholdRange: {max: 500}
                    percentile: 99

            """
    }
}
