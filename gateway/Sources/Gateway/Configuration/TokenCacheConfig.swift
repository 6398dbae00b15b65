import ServiceSupport
import TokenProtocol

/// How long each kind of introspection answer is cached, and how many are kept.
public struct TokenCacheConfig: Sendable, Equatable {
    public var activeTTL: Duration
    public var expiredTTL: Duration
    public var revokedTTL: Duration
    public var unknownTTL: Duration
    /// Bound of the active entries (LRU past it).
    public var maxEntries: Int
    /// Separate, smaller bound of inactive answers, so a flood of forged well-formed tokens
    /// cannot push active entries out.
    public var maxInactiveEntries: Int
    /// At most this many introspection calls in flight; misses past it get 503 at once.
    public var maxInflight: Int
    /// How often expired entries are swept.
    public var sweepInterval: Duration

    public init(
        activeTTL: Duration = .seconds(30), expiredTTL: Duration = .seconds(120), revokedTTL: Duration = .seconds(600),
        unknownTTL: Duration = .seconds(120), maxEntries: Int = 10_000, maxInactiveEntries: Int = 2_000,
        maxInflight: Int = 256, sweepInterval: Duration = .seconds(30)
    ) {
        self.activeTTL = activeTTL
        self.expiredTTL = expiredTTL
        self.revokedTTL = revokedTTL
        self.unknownTTL = unknownTTL
        self.maxEntries = maxEntries
        self.maxInactiveEntries = maxInactiveEntries
        self.maxInflight = maxInflight
        self.sweepInterval = sweepInterval
    }

    public static func load(from env: inout EnvironmentReader) -> TokenCacheConfig {
        let defaults = TokenCacheConfig()
        return TokenCacheConfig(
            activeTTL: env.duration("GATEWAY_TOKEN_CACHE_ACTIVE_TTL", default: defaults.activeTTL),
            expiredTTL: env.duration("GATEWAY_TOKEN_CACHE_EXPIRED_TTL", default: defaults.expiredTTL),
            revokedTTL: env.duration("GATEWAY_TOKEN_CACHE_REVOKED_TTL", default: defaults.revokedTTL),
            unknownTTL: env.duration("GATEWAY_TOKEN_CACHE_UNKNOWN_TTL", default: defaults.unknownTTL),
            maxEntries: env.int("GATEWAY_TOKEN_CACHE_MAX_ENTRIES", default: defaults.maxEntries, range: 1...10_000_000),
            maxInactiveEntries: env.int(
                "GATEWAY_TOKEN_CACHE_MAX_INACTIVE_ENTRIES", default: defaults.maxInactiveEntries, range: 1...10_000_000),
            maxInflight: env.int("GATEWAY_TOKEN_RUNTIME_MAX_INFLIGHT", default: defaults.maxInflight, range: 1...100_000),
            sweepInterval: env.duration("GATEWAY_TOKEN_CACHE_SWEEP_INTERVAL", default: defaults.sweepInterval)
        )
    }

    func ttl(for status: TokenStatus) -> Double {
        switch status {
        case .active: activeTTL.inSeconds
        case .expired: expiredTTL.inSeconds
        case .revoked: revokedTTL.inSeconds
        case .unknown: unknownTTL.inSeconds
        }
    }
}
