import ServiceSupport
import Logging
import TokenProtocol

/// The gateway's token verifier in `remote_introspection` mode: local format check, then the
/// status-TTL cache, then (on a miss, once per token however many ask) platform-token-runtime.
///
/// Tokens that fail the format/checksum check are rejected here: no cache entry, no network call.
/// When the runtime cannot answer, nothing is cached and the verdict is `.unavailable` (503);
/// answers already cached keep being served until they expire.
public final class RemoteTokenRuntime: TokenVerifier {
    public let cache: IntrospectionCache
    let client: any IntrospectionClient
    let metrics: TokenCacheMetrics
    let logger: Logger

    public init(client: any IntrospectionClient, cache: IntrospectionCache, metrics: TokenCacheMetrics, logger: Logger) {
        self.client = client
        self.cache = cache
        self.metrics = metrics
        self.logger = logger
    }

    /// The whole check in one pass (the benchmarked hit path: format check, SHA-256, cache).
    public func verify(_ token: String) async -> TokenVerdict {
        guard TokenFormat.isWellFormed(token) else {
            metrics.malformed.increment()
            return .inactive(.unknown)
        }
        let digest = TokenDigest(token: token)
        if let verdict = cache.cachedVerdict(digest) { return verdict }
        return await cache.resolve(digest) { [self] in await fetch(token) }
    }

    public func knownVerdict(_ token: String) -> KnownVerdict {
        guard TokenFormat.isWellFormed(token) else {
            metrics.malformed.increment()
            return .malformed
        }
        if let verdict = cache.cachedVerdict(TokenDigest(token: token)) { return .cached(verdict) }
        return .notKnown
    }

    /// A well-formed token the cache did not hold: one introspection however many ask at once.
    public func verifyUnknown(_ token: String) async -> TokenVerdict {
        await cache.resolve(TokenDigest(token: token)) { [self] in await fetch(token) }
    }

    /// hits / lookups of this instance's cache, 0 when none.
    public func cacheHitRate() -> Double { cache.hitRate() }

    func fetch(_ token: String) async -> IntrospectionCache.FetchResult {
        let start = ContinuousClock.now
        let outcome: String
        let result: IntrospectionCache.FetchResult
        do {
            let response = try await client.introspect(token)
            outcome = response.active ? "active" : "inactive"
            result = .answer(response)
        } catch IntrospectionClientError.timeout {
            outcome = "timeout"
            result = .failed(.timeout)
            logger.warning("token runtime timed out")
        } catch {
            outcome = "error"
            result = .failed(.error)
            if case IntrospectionClientError.status(401) = error {
                logger.error("token runtime refused the introspection secret: check GATEWAY_TOKEN_RUNTIME_SECRET")
            } else {
                logger.warning("token runtime call failed", metadata: ["error": "\(error)"])
            }
        }
        let elapsed = ContinuousClock.now - start
        metrics.recordTokenRuntime(
            outcome: outcome,
            nanoseconds: elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        return result
    }
}
