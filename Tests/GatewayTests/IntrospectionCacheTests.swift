import Logging
import TestSupport
import Testing
import ServiceSupport
import TokenProtocol
import TokenRuntime
@testable import Gateway

@Suite struct IntrospectionCacheTests {
    func activeAnswer(_ index: Int, exp: Int64 = 4_000_000_000) -> IntrospectionResponse {
        IntrospectionResponse(active: true, sub: "user\(index)", exp: exp, jti: "tok_\(index)", status: .active)
    }

    @Test func the10001stInsertEvictsTheLeastRecentlyUsed() {
        let clock = ManualWallClock()
        let cache = IntrospectionCache(config: TokenCacheConfig(maxEntries: 10_000), clock: clock)
        let digests = (0...10_000).map { TokenDigest(token: "token-\($0)") }
        for index in 0..<10_000 { cache.store(digests[index], activeAnswer(index)) }
        #expect(cache.statistics.entries == 10_000)
        // Reading entry 0 makes entry 1 the least recently used.
        #expect(cache.lookup(digests[0]) != nil)
        cache.store(digests[10_000], activeAnswer(10_000))
        #expect(cache.statistics.entries == 10_000)
        #expect(cache.statistics.capacityEvictions == 1)
        #expect(cache.lookup(digests[1]) == nil)
        #expect(cache.lookup(digests[0]) != nil)
        #expect(cache.lookup(digests[10_000]) != nil)
        #expect(cache.lookup(digests[2]) != nil)
    }

    @Test func aFloodOfUnknownTokensDoesNotEvictActiveEntries() {
        let cache = IntrospectionCache(config: TokenCacheConfig(maxEntries: 10, maxInactiveEntries: 5), clock: ManualWallClock())
        let active = (0..<10).map { TokenDigest(token: "active-\($0)") }
        for (index, digest) in active.enumerated() { cache.store(digest, activeAnswer(index)) }
        for index in 0..<1000 { cache.store(TokenDigest(token: "forged-\(index)"), .inactive(.unknown)) }
        for digest in active { #expect(cache.lookup(digest) != nil) }
        #expect(cache.statistics.entries == 15)
    }

    @Test func expiredEntriesAreDroppedOnAccessAndBySweep() {
        let clock = ManualWallClock()
        let cache = IntrospectionCache(config: TokenCacheConfig(activeTTL: .seconds(30)), clock: clock)
        cache.store(TokenDigest(token: "a"), activeAnswer(1))
        cache.store(TokenDigest(token: "b"), activeAnswer(2))
        cache.store(TokenDigest(token: "c"), .inactive(.revoked))
        clock.advance(by: 30)
        #expect(cache.lookup(TokenDigest(token: "a")) == nil)
        #expect(cache.statistics.expiredEvictions == 1)
        #expect(cache.sweep() == 1)  // b; c (revoked, 10 min) stays
        #expect(cache.statistics.entries == 1)
        #expect(cache.lookup(TokenDigest(token: "c")) == .inactive(.revoked))
    }

    @Test func anActiveEntryNeverOutlivesExp() {
        let clock = ManualWallClock(1_000)
        let cache = IntrospectionCache(config: TokenCacheConfig(activeTTL: .seconds(30)), clock: clock)
        cache.store(TokenDigest(token: "a"), activeAnswer(1, exp: 1_005))
        cache.store(TokenDigest(token: "late"), activeAnswer(2, exp: 999))  // past exp by our clock: not cached
        clock.advance(by: 4.999)
        #expect(cache.lookup(TokenDigest(token: "a")) != nil)
        clock.advance(by: 0.001)
        #expect(cache.lookup(TokenDigest(token: "a")) == nil)
        #expect(cache.lookup(TokenDigest(token: "late")) == nil)
    }

    @Test func hitRateCountsHitsOverLookups() {
        let cache = IntrospectionCache(clock: ManualWallClock())
        #expect(cache.hitRate() == 0)
        cache.store(TokenDigest(token: "a"), activeAnswer(1))
        _ = cache.lookup(TokenDigest(token: "a"))
        _ = cache.lookup(TokenDigest(token: "a"))
        _ = cache.lookup(TokenDigest(token: "a"))
        _ = cache.lookup(TokenDigest(token: "b"))
        #expect(cache.hitRate() == 0.75)
    }

    @Test func markRevokedAndDropActiveEntries() {
        let cache = IntrospectionCache(clock: ManualWallClock())
        cache.store(TokenDigest(token: "a"), activeAnswer(1))
        cache.store(TokenDigest(token: "b"), activeAnswer(2))
        cache.markRevoked(TokenDigest(token: "a"))
        #expect(cache.lookup(TokenDigest(token: "a")) == .inactive(.revoked))
        #expect(cache.dropActiveEntries() == 1)
        #expect(cache.lookup(TokenDigest(token: "b")) == nil)
        #expect(cache.lookup(TokenDigest(token: "a")) == .inactive(.revoked))
    }

    @Test func anUpdatedTokenIsEvictedButARevokedOneStaysRevoked() {
        let cache = IntrospectionCache(clock: ManualWallClock())
        cache.store(TokenDigest(token: "a"), activeAnswer(1))
        cache.store(TokenDigest(token: "b"), activeAnswer(2))
        cache.markRevoked(TokenDigest(token: "b"))
        cache.evictActive(TokenDigest(token: "a"))
        cache.evictActive(TokenDigest(token: "b"))
        #expect(cache.lookup(TokenDigest(token: "a")) == nil)
        #expect(cache.lookup(TokenDigest(token: "b")) == .inactive(.revoked))
    }
}

@Suite struct SingleFlightTests {
    func makeVerifier(delay: Duration = .milliseconds(100), maxInflight: Int = 256) -> (RemoteTokenRuntime, InProcessIntrospectionClient, TokenService) {
        let clock = ManualWallClock()
        let service = TokenService(store: InMemoryTokenStore(), clock: clock)
        let client = InProcessIntrospectionClient(service: service, delay: delay)
        let verifier = RemoteTokenRuntime(
            client: client, cache: IntrospectionCache(config: TokenCacheConfig(maxInflight: maxInflight), clock: clock),
            metrics: TokenCacheMetrics(factory: TestMetricsFactory()), logger: Logger(label: "test"))
        return (verifier, client, service)
    }

    @Test func aHundredConcurrentVerificationsMakeOneCall() async throws {
        let (verifier, client, service) = makeVerifier()
        let token = try await service.issue(IssueTokenRequest(subject: "alice")).token
        let verdicts = await withTaskGroup(of: TokenVerdict.self) { group in
            for _ in 0..<100 { group.addTask { await verifier.verify(token) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(client.calls == 1)
        #expect(verdicts.count == 100)
        #expect(verdicts.allSatisfy { $0.isActive })
    }

    /// `verify` tries the cache before `resolve`: each lookup must still count once, as one hit or
    /// one miss, and an expired entry must be dropped once.
    @Test func verifyCountsEachLookupOnce() async throws {
        let clock = ManualWallClock()
        let service = TokenService(store: InMemoryTokenStore(), clock: clock)
        let cache = IntrospectionCache(config: TokenCacheConfig(activeTTL: .seconds(30)), clock: clock)
        let verifier = RemoteTokenRuntime(
            client: InProcessIntrospectionClient(service: service, delay: .zero), cache: cache,
            metrics: TokenCacheMetrics(factory: TestMetricsFactory()), logger: Logger(label: "test"))
        let token = try await service.issue(IssueTokenRequest(subject: "alice")).token
        #expect(await verifier.verify(token).isActive)  // miss, fetched
        #expect(await verifier.verify(token).isActive)  // hit
        clock.advance(by: 31)
        #expect(await verifier.verify(token).isActive)  // expired: dropped, miss, fetched again
        let statistics = cache.statistics
        #expect(statistics.hits == 1)
        #expect(statistics.misses == 2)
        #expect(statistics.expiredEvictions == 1)
        #expect(statistics.entries == 1)
    }

    /// An update that lands while an introspection is in flight: that answer may predate it, so it
    /// serves its waiters once and is not cached; the next request introspects again.
    @Test func anAnswerInFlightDuringAnUpdateIsNotCached() async throws {
        let (verifier, client, service) = makeVerifier(delay: .milliseconds(200))
        let token = try await service.issue(IssueTokenRequest(subject: "alice")).token
        async let first = verifier.verify(token)
        try await Task.sleep(for: .milliseconds(50))
        verifier.cache.evictActive(TokenDigest(token: token))
        #expect(await first.isActive)
        #expect(await verifier.verify(token).isActive)
        #expect(client.calls == 2)
    }

    @Test func aFailureIsSharedWithWaitersOnlyAndNeverCached() async throws {
        let (verifier, client, service) = makeVerifier()
        let token = try await service.issue(IssueTokenRequest(subject: "alice")).token
        client.failNext(1)
        let verdicts = await withTaskGroup(of: TokenVerdict.self) { group in
            for _ in 0..<10 { group.addTask { await verifier.verify(token) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(client.calls == 1)
        #expect(verdicts.allSatisfy { $0 == .unavailable(.error) })
        #expect(await verifier.verify(token).isActive)
        #expect(client.calls == 2)
    }

    @Test func malformedTokensNeverReachTheRuntimeOrTheCache() async {
        let (verifier, client, _) = makeVerifier(delay: .zero)
        for token in ["", "Bearer", "sk-abc", "ljq_" + String(repeating: "A", count: 49)] {
            #expect(await verifier.verify(token) == .inactive(.unknown))
        }
        #expect(client.calls == 0)
        #expect(verifier.cache.statistics.entries == 0)
        #expect(verifier.cache.statistics.misses == 0)
    }

    @Test func missesPastTheInflightBoundAreRefusedAtOnce() async throws {
        let (verifier, client, _) = makeVerifier(delay: .milliseconds(300), maxInflight: 2)
        let verdicts = await withTaskGroup(of: TokenVerdict.self) { group in
            for _ in 0..<2 { group.addTask { await verifier.verify(TokenFormat.generate()) } }
            try? await Task.sleep(for: .milliseconds(100))
            group.addTask { await verifier.verify(TokenFormat.generate()) }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(client.calls == 2)
        #expect(verdicts.filter { $0 == .unavailable(.overloaded) }.count == 1)
        #expect(verdicts.filter { $0 == .inactive(.unknown) }.count == 2)
    }
}

@Suite struct TokenClaimsTests {
    /// Claims share one boxed value; equality must still be by value, field by field.
    @Test func equalityIsByValue() {
        let claims = TokenClaims(subject: "a", jti: "j", scopes: ["s"], exp: 1, clientID: "c", policy: TokenPolicy(rateLimitRPM: 2, rateLimitTPM: 3, models: ["m"]))
        #expect(claims == TokenClaims(subject: "a", jti: "j", scopes: ["s"], exp: 1, clientID: "c", policy: TokenPolicy(rateLimitRPM: 2, rateLimitTPM: 3, models: ["m"])))
        #expect(claims != TokenClaims(subject: "a", jti: "j", scopes: ["s"], exp: 1, clientID: "c", policy: TokenPolicy(rateLimitRPM: 2, rateLimitTPM: 3, models: nil)))
        #expect(claims != TokenClaims(subject: "b", jti: "j", scopes: ["s"], exp: 1, clientID: "c", policy: TokenPolicy(rateLimitRPM: 2, rateLimitTPM: 3, models: ["m"])))
        #expect(claims.models == ["m"] && claims.rateLimitTPM == 3 && claims.clientID == "c")
    }
}
