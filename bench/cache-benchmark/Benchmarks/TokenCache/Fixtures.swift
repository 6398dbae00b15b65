// Realistic data for the cache benchmarks: tokens from a seeded generator, and the answers
// platform-token-runtime gives for active tokens, built fresh per entry (as JSON decoding would).

import Gateway
import Logging
import Prometheus
import ServiceSupport
import Synchronization
import TokenProtocol

/// Deterministic generator so runs compare (the token format only needs uniform bytes).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

func hex24<G: RandomNumberGenerator>(using generator: inout G) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(24)
    for _ in 0..<24 { out.append(digits[Int(generator.next() & 0xF)]) }
    return String(decoding: out, as: UTF8.self)
}

/// What platform-token-runtime answers for an active token: subject, client, two scopes, exp, iat,
/// jti `tok_` + 24 hex. Built fresh per entry, so the cache owns its strings.
func activeResponse<G: RandomNumberGenerator>(index: Int, now: Int64, using generator: inout G) -> IntrospectionResponse {
    let subject = "user-\(100_000 + index)@tenant-\(index % 97).example.com"
    return IntrospectionResponse(
        active: true, scope: "chat embeddings", clientID: "team-\(index % 50)", username: subject, sub: subject,
        tokenType: "Bearer", exp: now + 86_400, iat: now - 60, nbf: now - 60, iss: "platform-token-runtime",
        jti: "tok_" + hex24(using: &generator), status: .active)
}

/// A cache holding `count` active entries, the tokens behind them in a shuffled visiting order, and
/// their digests in the same order.
struct Fixture: Sendable {
    static let entries = 10_000

    /// The active TTL is 10 minutes here (default 30 s) only so that no entry expires during a run;
    /// the tables and the LRU are the production ones.
    static let config = TokenCacheConfig(activeTTL: .seconds(600))

    let cache: IntrospectionCache
    let tokens: [String]
    let digests: [TokenDigest]

    static func make(count: Int = entries) -> Fixture {
        var generator = SplitMix64(state: 0x5EED)
        let cache = IntrospectionCache(config: config, clock: SystemWallClock())
        let now = Int64(SystemWallClock().now())
        var tokens = [String]()
        tokens.reserveCapacity(count)
        for index in 0..<count {
            let token = TokenFormat.generate(using: &generator)
            tokens.append(token)
            cache.store(TokenDigest(token: token), activeResponse(index: index, now: now, using: &generator))
        }
        let visiting = Array(0..<count).shuffled(using: &generator).map { tokens[$0] }
        return Fixture(cache: cache, tokens: visiting, digests: visiting.map { TokenDigest(token: $0) })
    }
}

/// Built on first use, once per benchmark process, outside every measured region.
let fixture = Fixture.make()

/// The introspection client of the `verify` benchmark: never called on a hit; counts calls so the
/// run can prove it.
final class CountingIntrospectionClient: IntrospectionClient, Sendable {
    let calls = Atomic<Int>(0)

    func introspect(_ token: String) async throws -> IntrospectionResponse {
        calls.add(1, ordering: .relaxed)
        return .inactive(.unknown)
    }
}

/// The `verify` benchmark's runtime over the fixture's cache (Prometheus metrics, as the gateway
/// runs it), built on first use.
let verifyClient = CountingIntrospectionClient()
let verifyRuntime = RemoteTokenRuntime(
    client: verifyClient, cache: fixture.cache,
    metrics: TokenCacheMetrics(factory: PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())),
    logger: Logger(label: "bench"))

@inline(__always)
func isHit(_ verdict: TokenVerdict?) -> Bool {
    if case .active? = verdict { return true }
    return false
}
