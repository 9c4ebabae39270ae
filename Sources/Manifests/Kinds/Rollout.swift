/// Progressive delivery over a TrafficSplit: a canary moved by steps and checked by analysis of the sidecars'
/// metrics (Flagger's analysis, Argo Rollouts' steps), or a blue-green switch after a preview.
public struct Rollout: Sendable, Hashable, Codable {
    public var apiVersion: String
    public var metadata: ObjectMeta
    public var spec: Spec

    public init(apiVersion: String = APIVersion.mesh, metadata: ObjectMeta, spec: Spec) {
        self.apiVersion = apiVersion
        self.metadata = metadata
        self.spec = spec
    }

    public struct Spec: Sendable, Hashable, Codable {
        /// The TrafficSplit whose weights the rollout moves ("" when it moves an HTTPRoute's).
        public var trafficSplit: String
        /// The HTTPRoute whose backendRefs' weights the rollout moves instead of a TrafficSplit's: in every rule that
        /// names both the stable and the new service.
        public var httpRoute: String?
        /// Longest time any phase may take before the rollout fails and traffic returns to stable.
        public var progressDeadline: Duration
        public var strategy: Strategy

        public init(trafficSplit: String, httpRoute: String? = nil, progressDeadline: Duration = .seconds(600),
                    strategy: Strategy) {
            self.trafficSplit = trafficSplit
            self.httpRoute = httpRoute
            self.progressDeadline = progressDeadline
            self.strategy = strategy
        }

        /// The name of the split the proxies run for the routing object: the TrafficSplit's, or `httproute/NAME`.
        public var routingSplit: String { httpRoute.map { "httproute/\($0)" } ?? trafficSplit }

        /// The backend serving the released version (canary: `stableService`, blue-green: `activeService`).
        public var stableService: String {
            switch strategy {
            case .canary(let canary): canary.stableService
            case .blueGreen(let blueGreen): blueGreen.activeService
            }
        }

        /// The backend serving the new version (canary: `canaryService`, blue-green: `previewService`).
        public var newService: String {
            switch strategy {
            case .canary(let canary): canary.canaryService
            case .blueGreen(let blueGreen): blueGreen.previewService
            }
        }
    }

    public enum Strategy: Sendable, Hashable, Codable {
        case canary(Canary)
        case blueGreen(BlueGreen)
    }

    public struct Canary: Sendable, Hashable, Codable {
        public var stableService: String
        public var canaryService: String
        public var progression: Progression
        public var analysis: Analysis
        /// Flagger's: a cookie keeps each client on the version it first got while the canary takes traffic.
        public var sessionAffinity: SessionAffinity?

        public init(
            stableService: String,
            canaryService: String,
            progression: Progression,
            analysis: Analysis = .init(),
            sessionAffinity: SessionAffinity? = nil
        ) {
            self.stableService = stableService
            self.canaryService = canaryService
            self.progression = progression
            self.analysis = analysis
            self.sessionAffinity = sessionAffinity
        }
    }

    /// How the canary's weight grows.
    public enum Progression: Sendable, Hashable, Codable {
        /// Argo Rollouts' explicit steps.
        case steps([Step])
        /// Flagger's: +stepWeight each passing interval up to maxWeight, then promotion.
        case linear(stepWeight: Int, maxWeight: Int)
    }

    public enum Step: Sendable, Hashable, Codable {
        /// Percent of traffic to the canary, 0-100; analysis runs at each weight.
        case setWeight(Int)
        /// Hold for a duration, or with nil until `meshctl rollout promote`.
        case pause(Duration?)
        /// Argo's `setHeaderRoute`: matching requests go to the canary whatever the weight (no match: remove it).
        case setHeaderRoute(HeaderRoute)
        /// Argo's `setMirrorRoute`: a share of matching requests is copied to the canary (no match: remove it).
        case setMirrorRoute(MirrorRoute)
    }

    /// Checks made every `interval` while the new version takes traffic.
    public struct Analysis: Sendable, Hashable, Codable {
        public var interval: Duration
        /// Failed checks before rollback.
        public var threshold: Int
        /// Fewer requests than this in an interval makes the check inconclusive (the weight holds), never failed.
        public var minRequests: Int
        public var metrics: [Metric]
        public var webhooks: [Webhook]

        public init(
            interval: Duration = .seconds(60),
            threshold: Int = 5,
            minRequests: Int = 10,
            metrics: [Metric] = Metric.defaults,
            webhooks: [Webhook] = []
        ) {
            self.interval = interval
            self.threshold = threshold
            self.minRequests = minRequests
            self.metrics = metrics
            self.webhooks = webhooks
        }
    }

    /// Flagger's built-in metrics, read from the sidecars.
    public enum Metric: Sendable, Hashable, Codable {
        /// `request-success-rate`: percent of non-5xx responses must be at least `min`.
        case successRate(min: Double)
        /// `request-duration`: latency at `percentile` (99 = p99) must be at most `max`.
        case latency(max: Duration, percentile: Double)

        public static let defaults: [Metric] = [
            .successRate(min: 99), .latency(max: .milliseconds(500), percentile: 99),
        ]
    }

    public struct Webhook: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
            /// Before any traffic moves; a failure stops the rollout.
            case preRollout = "pre-rollout"
            /// Before promotion; the rollout waits while it fails (a manual gate).
            case confirmPromotion = "confirm-promotion"
            /// Polled during analysis; success rolls back.
            case rollback = "rollback"
        }

        public var name: String
        public var type: Kind
        public var url: String
        public var timeout: Duration

        public init(name: String, type: Kind, url: String, timeout: Duration = .seconds(10)) {
            self.name = name
            self.type = type
            self.url = url
            self.timeout = timeout
        }
    }

    public struct BlueGreen: Sendable, Hashable, Codable {
        public var activeService: String
        public var previewService: String
        public var preview: Preview
        /// Switch this many seconds after the preview is ready; nil waits for `meshctl rollout promote`.
        public var autoPromotionSeconds: Int?
        /// How long the old version keeps running after the switch (instant rollback meanwhile).
        public var scaleDownDelay: Duration
        public var prePromotionAnalysis: Analysis?

        public init(
            activeService: String,
            previewService: String,
            preview: Preview = .header(name: "x-mesh-preview", value: "1"),
            autoPromotionSeconds: Int? = nil,
            scaleDownDelay: Duration = .seconds(30),
            prePromotionAnalysis: Analysis? = nil
        ) {
            self.activeService = activeService
            self.previewService = previewService
            self.preview = preview
            self.autoPromotionSeconds = autoPromotionSeconds
            self.scaleDownDelay = scaleDownDelay
            self.prePromotionAnalysis = prePromotionAnalysis
        }
    }

    /// How the new version is reached before the switch.
    public enum Preview: Sendable, Hashable, Codable {
        /// Requests through the gateway carrying this header and value.
        case header(name: String, value: String)
        /// A port of its own on 127.0.0.1.
        case port(Int)
    }
}
