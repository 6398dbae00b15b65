import ServiceSupport
import CoreMetrics
import Synchronization
import TokenProtocol

/// Publishes the introspection cache's counters and the token-runtime call latencies through
/// swift-metrics. Cache counters are kept inside the cache's own lock and pushed to the metrics
/// backend as deltas when metrics are scraped, so a cache hit costs no extra atomic operations.
public final class TokenCacheMetrics: Sendable {
    let hits: CoreMetrics.Counter
    let misses: CoreMetrics.Counter
    let capacityEvictions: CoreMetrics.Counter
    let expiredEvictions: CoreMetrics.Counter
    let entries: CoreMetrics.Gauge
    let hitRatio: CoreMetrics.Gauge
    let malformed: CoreMetrics.Counter
    let runtimeDurations: [String: CoreMetrics.Timer]
    private let published = Mutex(IntrospectionCache.Statistics())

    public static let outcomes = ["active", "inactive", "error", "timeout"]

    public init(factory: any MetricsFactory) {
        hits = .init(label: "gateway_token_cache_hits_total", factory: factory)
        misses = .init(label: "gateway_token_cache_misses_total", factory: factory)
        capacityEvictions = .init(label: "gateway_token_cache_evictions_total", dimensions: [("reason", "capacity")], factory: factory)
        expiredEvictions = .init(label: "gateway_token_cache_evictions_total", dimensions: [("reason", "expired")], factory: factory)
        entries = .init(label: "gateway_token_cache_entries", factory: factory)
        hitRatio = .init(label: "gateway_token_cache_hit_ratio", factory: factory)
        malformed = .init(label: "gateway_token_malformed_total", factory: factory)
        var durations: [String: CoreMetrics.Timer] = [:]
        for outcome in Self.outcomes {
            durations[outcome] = .init(
                label: "gateway_token_runtime_request_duration_seconds", dimensions: [("outcome", outcome)], factory: factory)
        }
        runtimeDurations = durations
    }

    /// Records one token-runtime call (`recordTokenRuntime` in the seed).
    public func recordTokenRuntime(outcome: String, nanoseconds: Int64) {
        runtimeDurations[outcome]?.recordNanoseconds(nanoseconds)
    }

    /// Brings the metrics up to date with `statistics` (called before each scrape).
    public func publish(_ statistics: IntrospectionCache.Statistics) {
        let previous = published.withLock { last in
            defer { last = statistics }
            return last
        }
        func delta(_ now: UInt64, _ before: UInt64) -> Int64 { now >= before ? Int64(now - before) : 0 }
        hits.increment(by: delta(statistics.hits, previous.hits))
        misses.increment(by: delta(statistics.misses, previous.misses))
        capacityEvictions.increment(by: delta(statistics.capacityEvictions, previous.capacityEvictions))
        expiredEvictions.increment(by: delta(statistics.expiredEvictions, previous.expiredEvictions))
        entries.record(statistics.entries)
        hitRatio.record(statistics.hitRate)
    }
}
