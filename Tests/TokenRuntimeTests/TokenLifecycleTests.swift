import TestSupport
import Testing
import ServiceSupport
import TokenProtocol
@testable import TokenRuntime

@Suite struct TokenLifecycleTests {
    let clock = ManualWallClock(1_800_000_000)

    func makeService(store: any TokenStore = InMemoryTokenStore()) -> TokenService {
        TokenService(store: store, clock: clock)
    }

    @Test func activeUntilExpThenExpired() async throws {
        let service = makeService()
        let issued = try await service.issue(IssueTokenRequest(subject: "alice", ttlSeconds: 60))
        #expect(issued.view.expiresAt == 1_800_000_060)
        #expect(try await service.introspect(token: issued.token).status == .active)
        clock.advance(by: 59.999)
        #expect(try await service.introspect(token: issued.token).active)
        clock.advance(by: 0.001)
        let expired = try await service.introspect(token: issued.token)
        #expect(expired == .inactive(.expired))
    }

    @Test func revokedWinsOverExpired() async throws {
        let service = makeService()
        let issued = try await service.issue(IssueTokenRequest(subject: "alice", ttlSeconds: 60))
        _ = try await service.revoke(id: issued.view.id)
        #expect(try await service.introspect(token: issued.token) == .inactive(.revoked))
        clock.advance(by: 3600)
        #expect(try await service.introspect(token: issued.token) == .inactive(.revoked))
    }

    @Test func revocationIsIdempotentAndKeepsTheFirstTime() async throws {
        let service = makeService()
        let issued = try await service.issue(IssueTokenRequest(subject: "alice"))
        let first = try await service.revoke(id: issued.view.id)
        clock.advance(by: 10)
        let second = try await service.revoke(id: issued.view.id)
        #expect(first?.revokedAt == 1_800_000_000)
        #expect(second?.revokedAt == 1_800_000_000)
        #expect(try await service.revoke(id: "tok_missing") == nil)
    }

    @Test func rfc7009RevocationOfUnknownOrMalformedTokensIsNotAnError() async throws {
        let service = makeService()
        try await service.revoke(token: "garbage")
        try await service.revoke(token: TokenFormat.generate())
        let issued = try await service.issue(IssueTokenRequest(subject: "bob"))
        try await service.revoke(token: issued.token)
        #expect(try await service.introspect(token: issued.token).status == .revoked)
    }

    @Test func unknownAndMalformedTokensAreUnknown() async throws {
        let service = makeService()
        #expect(try await service.introspect(token: TokenFormat.generate()) == .inactive(.unknown))
        #expect(try await service.introspect(token: "not-a-token") == .inactive(.unknown))
    }

    @Test func activeAnswerCarriesTheClaims() async throws {
        let service = makeService()
        let issued = try await service.issue(
            IssueTokenRequest(
                subject: "alice", ttlSeconds: 3600, scopes: ["chat", "embed"], clientID: "team-a",
                policy: TokenPolicy(rateLimitRPM: 60, rateLimitTPM: 1000, models: ["gpt-4o-mini"])))
        let claims = try await service.introspect(token: issued.token)
        #expect(claims.active)
        #expect(claims.sub == "alice")
        #expect(claims.username == "alice")
        #expect(claims.scope == "chat embed")
        #expect(claims.clientID == "team-a")
        #expect(claims.jti == issued.view.id)
        #expect(claims.exp == 1_800_003_600)
        #expect(claims.iat == 1_800_000_000)
        #expect(claims.policy == TokenPolicy(rateLimitRPM: 60, rateLimitTPM: 1000, models: ["gpt-4o-mini"]))
        #expect(claims.iss == "platform-token-runtime")
    }

    @Test func storeKeepsOnlyTheDigest() async throws {
        let store = InMemoryTokenStore()
        let service = makeService(store: store)
        let issued = try await service.issue(IssueTokenRequest(subject: "alice"))
        let record = try #require(try await store.record(id: issued.view.id))
        #expect(record.digest == TokenDigest(token: issued.token))
        #expect(!String(describing: record).contains(issued.token))
    }

    @Test(arguments: [
        IssueTokenRequest(subject: ""),
        IssueTokenRequest(subject: "a", ttlSeconds: -5),
        IssueTokenRequest(subject: "a", ttlSeconds: 0),
        IssueTokenRequest(subject: "a", ttlSeconds: 40_000_000),
        IssueTokenRequest(subject: "a", scopes: ["two words"]),
        IssueTokenRequest(subject: "a", rateLimitRPM: -1),
        IssueTokenRequest(subject: "a", rateLimitTPM: -1),
        IssueTokenRequest(subject: "a", models: []),
        IssueTokenRequest(subject: "a", models: [""]),
    ])
    func invalidIssueRequestsAreRefusedAndNothingIsStored(_ request: IssueTokenRequest) async throws {
        let store = InMemoryTokenStore()
        let service = makeService(store: store)
        await #expect(throws: TokenServiceError.self) { try await service.issue(request) }
        #expect(try await store.list(TokenQuery(), now: clock.now()).records.isEmpty)
    }

    @Test func listingFiltersByStatusAndSubjectAndPages() async throws {
        let service = makeService()
        var ids: [String] = []
        for index in 0..<5 {
            ids.append(try await service.issue(IssueTokenRequest(subject: index % 2 == 0 ? "even" : "odd", ttlSeconds: 100)).view.id)
        }
        _ = try await service.revoke(id: ids[0])
        #expect(try await service.list(TokenQuery(subject: "even")).data.map(\.id) == [ids[0], ids[2], ids[4]])
        #expect(try await service.list(TokenQuery(status: .revoked)).data.map(\.id) == [ids[0]])
        clock.advance(by: 200)
        #expect(try await service.list(TokenQuery(status: .expired)).data.map(\.id) == Array(ids[1...]))
        let first = try await service.list(TokenQuery(limit: 2))
        #expect(first.data.map(\.id) == [ids[0], ids[1]])
        let second = try await service.list(TokenQuery(limit: 2, after: first.nextCursor))
        #expect(second.data.map(\.id) == [ids[2], ids[3]])
        let last = try await service.list(TokenQuery(limit: 2, after: second.nextCursor))
        #expect(last.data.map(\.id) == [ids[4]])
        #expect(last.nextCursor == nil)
    }
}

@Suite struct HitRateTests {
    @Test func hitRateIsHitsOverLookupsAndZeroWhenNone() async throws {
        #expect(HitCounter().rate == 0)
        #expect(HitCounter(hits: 3, misses: 1).rate == 0.75)
        let store = InMemoryTokenStore()
        #expect(store.cacheHitRate() == 0)
        let service = TokenService(store: store, clock: ManualWallClock())
        let issued = try await service.issue(IssueTokenRequest(subject: "alice"))
        _ = try await service.introspect(token: issued.token)
        _ = try await service.introspect(token: issued.token)
        _ = try await service.introspect(token: TokenFormat.generate())
        // Malformed tokens never reach the store, so they count as neither.
        _ = try await service.introspect(token: "junk")
        #expect(store.hitCounter() == HitCounter(hits: 2, misses: 1))
        #expect(abs(store.cacheHitRate() - 2.0 / 3.0) < 1e-12)
    }
}
