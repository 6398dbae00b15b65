import Hummingbird
import ServiceSupport
import TokenProtocol

/// `GET /v1/admin/status` (admin key or console session): what this replica knows about itself,
/// as JSON, for the console's Health page and scripts: the store and whether it answers, event
/// stream subscribers, introspections answered since start (a rate is the difference of two
/// readings over their time), the store's cache hit rate and the uptime.
struct RuntimeStatusRoutes: Sendable {
    let service: TokenService
    let metrics: RuntimeMetrics
    let events: RevocationEventHub
    let auth: CallerAuthentication
    let startedAt: Double
    let clock: any WallClock

    static let path = "/v1/admin/status"

    func register(on router: Router<RuntimeRequestContext>) {
        router.get(RouterPath(Self.path)) { request, context in
            try auth.requireAdmin(request, context: context)
            let now = clock.now()
            let status = RuntimeStatus(
                store: service.store is PostgresTokenStore ? "postgres" : "memory", ready: await service.store.isReady(),
                eventSubscribers: events.subscriberCount,
                introspectionsTotal: metrics.introspectionsTotal, cacheHitRate: service.store.cacheHitRate(),
                uptimeSeconds: max(0, now - startedAt), now: now)
            return JSONBody.response(.ok, status)
        }
    }
}

/// The `GET /v1/admin/status` answer.
struct RuntimeStatus: Codable, Sendable, Equatable {
    var store: String
    var ready: Bool
    var eventSubscribers: Int
    var introspectionsTotal: UInt64
    var cacheHitRate: Double
    var uptimeSeconds: Double
    /// The replica's clock (Unix seconds), to turn two readings into a rate.
    var now: Double

    enum CodingKeys: String, CodingKey {
        case store, ready
        case eventSubscribers = "event_subscribers"
        case introspectionsTotal = "introspections_total"
        case cacheHitRate = "cache_hit_rate"
        case uptimeSeconds = "uptime_seconds"
        case now
    }
}
