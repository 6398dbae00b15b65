import CoreMetrics
import Metrics
import Prometheus
import Synchronization
import ServiceSupport
import TokenProtocol

/// The runtime's metrics, created through swift-metrics with this instance's own factory so every
/// application (and every test) has its own Prometheus registry. Handles are made once and reused.
public final class RuntimeMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    let tokensIssued: CoreMetrics.Counter
    let tokensRevoked: CoreMetrics.Counter
    let introspections: [TokenStatus: CoreMetrics.Counter]
    let hitRatio: CoreMetrics.Gauge
    /// `token_runtime_server_connections_*`: open, closed by timeouts, evicted and refused at the cap.
    public let connections: ServerConnectionMetrics
    /// `token_runtime_auth_failures_total{credential="admin_key"|"introspection_secret"}`: wrong credentials presented.
    let authFailures: [String: CoreMetrics.Counter]
    /// `token_runtime_auth_shed_total`: requests refused because their address was over its budget of failures.
    let authShed: CoreMetrics.Counter
    private let requestTimers = Mutex<[String: CoreMetrics.Timer]>([:])
    /// Introspections answered since start, readable here (the Prometheus counters are write-only).
    private let introspectionCount = Atomic<UInt64>(0)

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = RuntimeMetrics.latencyBuckets
        self.factory = factory
        tokensIssued = CoreMetrics.Counter(label: "token_runtime_tokens_issued_total", factory: factory)
        tokensRevoked = CoreMetrics.Counter(label: "token_runtime_tokens_revoked_total", factory: factory)
        var introspections: [TokenStatus: CoreMetrics.Counter] = [:]
        for status in TokenStatus.allCases {
            introspections[status] = CoreMetrics.Counter(
                label: "token_runtime_introspections_total",
                dimensions: [("result", status.rawValue)],
                factory: factory
            )
        }
        self.introspections = introspections
        hitRatio = CoreMetrics.Gauge(label: "token_runtime_store_cache_hit_ratio", factory: factory)
        connections = ServerConnectionMetrics(prefix: "token_runtime", factory: factory)
        var authFailures: [String: CoreMetrics.Counter] = [:]
        for credential in ["admin_key", "introspection_secret"] {
            authFailures[credential] = CoreMetrics.Counter(
                label: "token_runtime_auth_failures_total", dimensions: [("credential", credential)], factory: factory)
        }
        self.authFailures = authFailures
        authShed = CoreMetrics.Counter(label: "token_runtime_auth_shed_total", factory: factory)
    }

    /// Buckets from 50 µs to 10 s: introspection answers in well under a millisecond.
    public static let latencyBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
        .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10),
    ]

    func introspection(_ status: TokenStatus) {
        introspections[status]?.increment()
        introspectionCount.add(1, ordering: .relaxed)
    }

    /// Records one HTTP request's duration under `token_runtime_http_request_duration_seconds`.
    func recordRequest(route: String, method: String, status: Int, nanoseconds: Int64) {
        let key = "\(method) \(route) \(status)"
        let timer = requestTimers.withLock { timers in
            if let timer = timers[key] { return timer }
            let timer = CoreMetrics.Timer(
                label: "token_runtime_http_request_duration_seconds",
                dimensions: [("route", route), ("method", method), ("status", String(status))],
                factory: factory
            )
            timers[key] = timer
            return timer
        }
        timer.recordNanoseconds(nanoseconds)
    }

    /// Introspections answered since this process started.
    var introspectionsTotal: UInt64 { introspectionCount.load(ordering: .relaxed) }

    /// Prometheus text exposition, refreshing scrape-time gauges first.
    public func exposition(store: any TokenStore) -> [UInt8] {
        hitRatio.record(store.cacheHitRate())
        return registry.emitToBuffer()
    }
}
