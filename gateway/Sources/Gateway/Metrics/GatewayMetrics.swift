import CoreMetrics
import Prometheus
import Synchronization
import ServiceSupport

/// The gateway's metrics, created through swift-metrics with this instance's own Prometheus
/// registry (so each application, and each test, has its own). Handles are cached by label set.
public final class GatewayMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: PrometheusMetricsFactory
    public let tokenCache: TokenCacheMetrics
    /// `gateway_server_connections_*`: open, closed by timeouts, evicted and refused at the cap.
    public let connections: ServerConnectionMetrics
    public let auth: AuthMetrics
    let rateLimited: CoreMetrics.Counter
    let overhead: CoreMetrics.Timer
    let timeToFirstToken: CoreMetrics.Timer
    let revocationEvents: CoreMetrics.Counter
    let revocationResets: CoreMetrics.Counter
    let revocationReconnects: CoreMetrics.Counter
    let revocationConnected: CoreMetrics.Gauge
    /// From `revoked_at` at the runtime to the event applied here.
    let revocationDelay: CoreMetrics.Timer
    private let requestHandles = Mutex<[RequestKey: (CoreMetrics.Counter, CoreMetrics.Timer)]>([:])
    /// A request's series: a struct key, so a recorded request builds no string.
    private struct RequestKey: Hashable {
        let route: String
        let status: Int
    }
    private let upstreamTimers = Mutex<[String: CoreMetrics.Timer]>([:])
    private let poolWaitTimers = Mutex<[String: CoreMetrics.Timer]>([:])
    private let busyCounters = Mutex<[String: CoreMetrics.Counter]>([:])
    private let attemptCounters = Mutex<[String: CoreMetrics.Counter]>([:])
    private let streamErrorCounters = Mutex<[String: CoreMetrics.Counter]>([:])
    let fallbacks: [FallbackPolicy.Reason: CoreMetrics.Counter]
    let providersInCooldown: [ProviderCooldownKind: CoreMetrics.Gauge]

    /// 50 µs to 60 s: gateway overhead lives at the low end, model calls at the high end.
    public static let buckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
        .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
        .seconds(10), .seconds(30), .seconds(60),
    ]

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.buckets
        self.factory = factory
        tokenCache = TokenCacheMetrics(factory: factory)
        connections = ServerConnectionMetrics(prefix: "gateway", factory: factory)
        auth = AuthMetrics(factory: factory)
        rateLimited = .init(label: "gateway_rate_limited_total", factory: factory)
        overhead = .init(label: "gateway_overhead_seconds", factory: factory)
        timeToFirstToken = .init(label: "gateway_time_to_first_token_seconds", factory: factory)
        revocationEvents = .init(label: "gateway_revocation_events_total", factory: factory)
        revocationResets = .init(label: "gateway_revocation_resets_total", factory: factory)
        revocationReconnects = .init(label: "gateway_revocation_stream_reconnects_total", factory: factory)
        revocationConnected = .init(label: "gateway_revocation_stream_connected", factory: factory)
        revocationDelay = .init(label: "gateway_revocation_delay_seconds", factory: factory)
        revocationConnected.record(0)
        fallbacks = Dictionary(
            uniqueKeysWithValues: FallbackPolicy.Reason.allCases.map {
                ($0, CoreMetrics.Counter(label: "gateway_fallbacks_total", dimensions: [("reason", $0.rawValue)], factory: factory))
            })
        providersInCooldown = Dictionary(
            uniqueKeysWithValues: ProviderCooldownKind.allCases.map {
                ($0, CoreMetrics.Gauge(label: "gateway_providers_in_cooldown", dimensions: [("reason", $0.rawValue)], factory: factory))
            })
        for gauge in providersInCooldown.values { gauge.record(0) }
    }

    /// One answered request: `gateway_requests_total` and `gateway_request_duration_seconds`.
    func recordRequest(route: String, status: Int, nanoseconds: Int64) {
        let key = RequestKey(route: route, status: status)
        let (counter, timer) = requestHandles.withLock { handles in
            if let pair = handles[key] { return pair }
            let dimensions = [("route", route), ("status", String(status))]
            let pair = (
                CoreMetrics.Counter(label: "gateway_requests_total", dimensions: dimensions, factory: factory),
                CoreMetrics.Timer(label: "gateway_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            )
            handles[key] = pair
            return pair
        }
        counter.increment()
        timer.recordNanoseconds(nanoseconds)
    }

    /// One upstream attempt: `gateway_upstream_duration_seconds{provider,outcome}`.
    func recordUpstream(provider: String, outcome: String, nanoseconds: Int64) {
        let key = provider + " " + outcome
        let timer = upstreamTimers.withLock { timers in
            if let timer = timers[key] { return timer }
            let timer = CoreMetrics.Timer(
                label: "gateway_upstream_duration_seconds", dimensions: [("provider", provider), ("outcome", outcome)],
                factory: factory)
            timers[key] = timer
            return timer
        }
        timer.recordNanoseconds(nanoseconds)
    }

    /// Time spent waiting for a connection slot under `GATEWAY_HTTP_MAX_CONNS_PER_HOST`:
    /// `gateway_upstream_pool_wait_seconds{provider}` (recorded only when there is a cap).
    func recordPoolWait(provider: String, nanoseconds: Int64) {
        guard nanoseconds > 0 else { return }
        let timer = poolWaitTimers.withLock { timers in
            if let timer = timers[provider] { return timer }
            let timer = CoreMetrics.Timer(
                label: "gateway_upstream_pool_wait_seconds", dimensions: [("provider", provider)], factory: factory)
            timers[provider] = timer
            return timer
        }
        timer.recordNanoseconds(nanoseconds)
    }

    /// A request that found no connection: `gateway_upstream_busy_total{provider,reason}`, reason
    /// `pool_wait` (the per-host cap stayed full) or `file_descriptors` (the process had none left).
    func recordPoolBusy(provider: String, reason: String) {
        counter(busyCounters, key: provider + " " + reason) {
            CoreMetrics.Counter(
                label: "gateway_upstream_busy_total", dimensions: [("provider", provider), ("reason", reason)], factory: factory)
        }.increment()
    }

    /// One upstream attempt by its outcome: `gateway_upstream_attempts_total{provider,outcome}`, the
    /// outcome `ok`, `passed_through` (an error answer that is the request's own) or a
    /// ``FallbackPolicy/Reason``.
    func recordAttempt(provider: String, outcome: String) {
        counter(attemptCounters, key: provider + " " + outcome) {
            CoreMetrics.Counter(
                label: "gateway_upstream_attempts_total", dimensions: [("provider", provider), ("outcome", outcome)], factory: factory)
        }.increment()
    }

    /// A provider that failed after its stream had begun: `gateway_upstream_stream_errors_total{provider}`.
    func recordStreamError(provider: String) {
        counter(streamErrorCounters, key: provider) {
            CoreMetrics.Counter(label: "gateway_upstream_stream_errors_total", dimensions: [("provider", provider)], factory: factory)
        }.increment()
    }

    private func counter(
        _ handles: borrowing Mutex<[String: CoreMetrics.Counter]>, key: String, make: () -> CoreMetrics.Counter
    ) -> CoreMetrics.Counter {
        handles.withLock { handles in
            if let counter = handles[key] { return counter }
            let counter = make()
            handles[key] = counter
            return counter
        }
    }

    /// Prometheus text, with scrape-time values brought up to date first.
    func exposition(cache: IntrospectionCache?, authFailures: AuthFailureBudget? = nil, providers: ProviderRegistry? = nil) -> [UInt8] {
        if let cache { tokenCache.publish(cache.statistics) }
        if let authFailures { auth.addressesOverBudget.record(authFailures.addressesOverBudget()) }
        if let providers {
            let counts = providers.cooldownCounts()
            for (kind, gauge) in providersInCooldown { gauge.record(counts[kind] ?? 0) }
        }
        return registry.emitToBuffer()
    }
}
