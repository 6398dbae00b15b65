import Synchronization
import TokenProtocol
import ServiceSupport

/// The global ceiling on introspections of tokens the cache does not know
/// (`GATEWAY_TOKEN_RUNTIME_MAX_MISS_RATE` per second, bursts of up to one second's worth), so a
/// flood spread over many addresses cannot saturate the token runtime either. Only cache misses
/// are charged; cached tokens never reach it.
public final class IntrospectionRateLimit: Sendable {
    public let perSecond: Int
    let clock: any WallClock
    private let bucket: Mutex<TokenBucket>

    public init(perSecond: Int, clock: any WallClock = SystemWallClock()) {
        precondition(perSecond > 0)
        self.perSecond = perSecond
        self.clock = clock
        bucket = Mutex(TokenBucket(capacity: Double(perSecond), perSecond: Double(perSecond), now: clock.now()))
    }

    /// nil when one more introspection may start now (and it is counted); otherwise the seconds
    /// until one may.
    public func admit() -> Double? {
        let now = clock.now()
        return bucket.withLock { bucket in
            bucket.take(now: now) ? nil : max(bucket.secondsUntilOne(now: now), 0.001)
        }
    }
}
