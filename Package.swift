// swift-tools-version: 6.1
import PackageDescription

/// One set of settings for every target, as hummingbird does: the Swift 6 language mode (strict concurrency)
/// plus `any` spelled out for existentials.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "meshctl",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "meshctl", targets: ["MeshOperator"]),
        // The sidecar proxy alone (same flags as `meshctl proxy`), without the operator's modules: less memory.
        .executable(name: "mesh-proxy", targets: ["MeshProxy"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // libyaml from Debian's libyaml-dev; only Manifests/YAML/LibYAMLParser.swift imports it.
        .systemLibrary(
            name: "CYaml",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // NIO's read(2) on the proxy's sockets as recv(2): defines `read` for the executable (socket_receive.c says why).
        .target(name: "CSocketReceive"),
        // The Swift runtime's global-executor hook, set by ProxyCommand's `GlobalExecutorOnLoop` (header only).
        .systemLibrary(name: "CConcurrencyHook"),
        // The one duration grammar (`1m30s`, `250ms`, `1.5s`) for manifests, proxy configurations and flags.
        .target(
            name: "DurationText",
            swiftSettings: swiftSettings
        ),
        // YAML -> typed, validated manifests with source positions. Knows nothing of processes or networks.
        .target(
            name: "Manifests",
            dependencies: ["CYaml", "DurationText"],
            swiftSettings: swiftSettings
        ),
        // meshctl manifests to Kubernetes objects (Deployment, Service, HTTPRoute or SMI, Linkerd or Istio, Flagger
        // or Argo Rollouts) and back. Pure: no files, no processes.
        .target(
            name: "KubernetesBridge",
            dependencies: ["Manifests", "DurationText"],
            swiftSettings: swiftSettings
        ),
        // The sidecar configuration schema: what the reconciler writes and the proxy reads.
        .target(
            name: "SidecarConfig",
            dependencies: ["DurationText"],
            swiftSettings: swiftSettings
        ),
        // Pure traffic decisions: load balancing, weighted splits, retry budgets, backoff, outlier detection.
        .target(
            name: "TrafficPolicy",
            swiftSettings: swiftSettings
        ),
        // A non-blocking, close-on-exec pipe that wakes a polling thread or loop (signals, stop, new work).
        .target(
            name: "WakePipe",
            swiftSettings: swiftSettings
        ),
        // The SwiftNIO HTTP/1.1 data plane.
        .target(
            name: "Sidecar",
            dependencies: [
                "CSocketReceive",
                "MeshIdentity",
                "WakePipe",
                "SidecarConfig",
                "TrafficPolicy",
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The proxy's hot path is confined to one event loop per connection; dynamic exclusivity checks on
            // its handler state cost ~4% of CPU per request (perf, docs/performance.md), so release builds skip them.
            swiftSettings: swiftSettings + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]
        ),
        // Workload identity: the trust anchors, the CA that signs sidecars' CSRs, SPIFFE IDs (docs/identity.md).
        .target(
            name: "MeshIdentity",
            dependencies: [
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: swiftSettings
        ),
        // The operator's durable state in SQLite: objects, generations, status, events, process records, rollouts.
        .target(
            name: "MeshStore",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings
        ),
        // Starting, observing, adopting and stopping the local processes the operator runs.
        .target(
            name: "ProcessRuntime",
            dependencies: ["WakePipe", .product(name: "Subprocess", package: "swift-subprocess")],
            swiftSettings: swiftSettings
        ),
        // The demo workload: a tiny HTTP service whose version, error rate and latency are set by flags.
        .target(
            name: "DemoApp",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The operator's API: HTTP/1.1 over a Unix socket (mode 0600) in the state directory, server and client.
        .target(
            name: "OperatorAPI",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Desired world from manifests, observed world, plan, execute; the rollout state machine.
        .target(
            name: "Reconciler",
            dependencies: ["Manifests", "SidecarConfig", "MeshStore", "ProcessRuntime"],
            swiftSettings: swiftSettings
        ),
        // Reading the mesh's telemetry from outside the daemon: proxy scrapes (stat, top, the dashboard's sampler),
        // golden metrics, replica and access logs, traces. Shared by the CLI and the dashboard.
        .target(
            name: "MeshTelemetry",
            dependencies: ["OperatorAPI", "Reconciler", "SidecarConfig"],
            swiftSettings: swiftSettings
        ),
        // The DNS interface: a pure message codec and zone, and a small NIO UDP server.
        .target(
            name: "MeshDNS",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The operator daemon: API routes over the store, the reconcile loop's effects (observe, execute), wiring.
        .target(
            name: "OperatorCore",
            dependencies: [
                "DurationText",
                "Manifests",
                "MeshIdentity",
                "MeshDNS",
                "MeshStore",
                "MeshTelemetry",
                "OperatorAPI",
                "ProcessRuntime",
                "Reconciler",
                "SidecarConfig",
                "TrafficPolicy",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // The proxy's command line (flags and serving), shared by `meshctl proxy` and `mesh-proxy`.
        .target(
            name: "ProxyCommand",
            dependencies: [
                "CConcurrencyHook",
                "DurationText",
                "MeshIdentity",
                "OperatorAPI",
                .product(name: "Logging", package: "swift-log"),
                "Sidecar",
                "SidecarConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The lean `mesh-proxy` executable: the sidecar and nothing of the operator.
        .executableTarget(
            name: "MeshProxy",
            dependencies: [
                "ProxyCommand",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings,
            // One copy runs per replica, so its idle memory counts many times (docs/performance.md, "idle RSS"):
            // the Swift runtime linked in (only what is used is kept, and calls skip the PLT), relative relocations
            // packed (RELR, lld; glibc >= 2.36). The Foundation archives are listed so that a module importing
            // Foundation still links, statically, with ICU's 34 MB data table (MeshProxyFootprintTests.noICUData then
            // fails: use FoundationEssentials).
            // --no-export-dynamic undoes the -export-dynamic that -static-stdlib's link file adds: it exported our
            // ~33,000 symbols (2.8 MB of .dynsym/.dynstr/.gnu.hash that ld.so searches at start-up, ~3 MB resident)
            // and kept them all alive through --gc-sections. Nothing looks our symbols up dynamically.
            linkerSettings: [
                .unsafeFlags(
                    ["-static-stdlib", "-lCoreFoundation", "-lFoundationInternationalization", "-l_FoundationICU",
                     "-l_FoundationCShims", "-l_FoundationCollections",
                     "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                     "-Xlinker", "--no-export-dynamic"],
                    .when(platforms: [.linux]))
            ]
        ),
        // The `meshctl` executable: argument parsing and wiring only.
        .executableTarget(
            name: "MeshOperator",
            dependencies: [
                "DurationText",
                "DemoApp",
                "KubernetesBridge",
                "Manifests",
                "MeshTelemetry",
                "OperatorAPI",
                "OperatorCore",
                "ProcessRuntime",
                "ProxyCommand",
                "Reconciler",
                "Sidecar",
                "SidecarConfig",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DurationTextTests",
            dependencies: ["DurationText"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ManifestsTests",
            dependencies: ["Manifests"],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "KubernetesBridgeTests",
            dependencies: ["KubernetesBridge", "Manifests"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "TrafficPolicyTests",
            dependencies: ["TrafficPolicy"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "SidecarTests",
            dependencies: [
                "Sidecar", "SidecarConfig", "MeshIdentity", "CSocketReceive",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "OperatorAPITests",
            dependencies: ["OperatorAPI"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ReconcilerTests",
            dependencies: ["Reconciler", "Manifests", "SidecarConfig"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MeshIdentityTests",
            dependencies: ["MeshIdentity"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "MeshStoreTests",
            dependencies: ["MeshStore"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProcessRuntimeTests",
            dependencies: ["ProcessRuntime", "WakePipe"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "DemoAppTests",
            dependencies: [
                "DemoApp",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // End-to-end: runs the built `meshctl` binary as a user would.
        .testTarget(name: "MeshDNSTests", dependencies: ["MeshDNS"], swiftSettings: swiftSettings),
        .testTarget(
            name: "MeshctlTests",
            dependencies: ["MeshOperator", "MeshTelemetry", "OperatorAPI", "OperatorCore", "Reconciler", "DemoApp"],
            swiftSettings: swiftSettings
        ),
        // bench/reconcile/PlanBench: compile + plan over 1,000 services in memory (`swift run -c release PlanBench`).
        .executableTarget(
            name: "PlanBench",
            dependencies: ["Manifests", "Reconciler", "SidecarConfig"],
            path: "bench/reconcile/PlanBench",
            swiftSettings: swiftSettings
        ),
    ]
)
