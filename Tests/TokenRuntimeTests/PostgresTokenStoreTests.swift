import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import PostgresNIO
import TestSupport
import Testing
import ServiceSupport
import TokenProtocol
@testable import TokenRuntime

/// The token lifecycle against every store: the in-memory one always, PostgreSQL when
/// `LJQ_TEST_DATABASE_URL` is set. One test body, so both stores keep the same contract.
@Suite struct TokenStoreContractTests {
    @Test(arguments: StoreKind.available)
    func lifecycle(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            let clock = ManualWallClock(1_800_000_000)
            let service = TokenService(store: store, clock: clock)

            // Issue and introspect: active, with every claim; the store keeps the digest only.
            let issued = try await service.issue(
                IssueTokenRequest(
                    subject: "alice", ttlSeconds: 60, scopes: ["chat", "embeddings"], clientID: "team-a",
                    policy: TokenPolicy(rateLimitRPM: 60, rateLimitTPM: 10_000, models: ["gpt-4o-mini", "gpt-4o"])))
            let claims = try await service.introspect(token: issued.token)
            #expect(claims.active)
            #expect(claims.jti == issued.view.id)
            #expect(claims.sub == "alice")
            #expect(claims.scope == "chat embeddings")
            #expect(claims.clientID == "team-a")
            #expect(claims.exp == 1_800_000_060)
            #expect(claims.policy == TokenPolicy(rateLimitRPM: 60, rateLimitTPM: 10_000, models: ["gpt-4o-mini", "gpt-4o"]))
            #expect(try await store.record(id: issued.view.id)?.policy == claims.policy)
            let stored = try #require(try await store.record(id: issued.view.id))
            #expect(stored.digest == TokenDigest(token: issued.token))
            #expect(stored.subject == "alice" && stored.clientID == "team-a" && stored.revokedAt == nil)
            #expect(!String(describing: stored).contains(issued.token))

            // Repeated introspections are answered from memory.
            for _ in 0..<4 { #expect(try await service.introspect(token: issued.token).active) }
            #expect(store.cacheHitRate() >= 0.8)

            // A minimal token keeps its nils and empties apart.
            let bare = try await service.issue(IssueTokenRequest(subject: "bob", ttlSeconds: 30))
            let bareRecord = try #require(try await store.record(id: bare.view.id))
            #expect(bareRecord.clientID == nil && bareRecord.scopes.isEmpty && bareRecord.policy == TokenPolicy())

            // Expiry on the injected clock: active until exp, then expired (even from memory).
            clock.advance(by: 29)
            #expect(try await service.introspect(token: bare.token).active)
            clock.advance(by: 1)
            #expect(try await service.introspect(token: bare.token) == .inactive(.expired))

            // Revocation: revoked wins over expired, keeps the first time, is idempotent.
            let first = try await service.revoke(id: issued.view.id)
            #expect(first?.revokedAt == 1_800_000_030)
            #expect(try await service.introspect(token: issued.token) == .inactive(.revoked))
            clock.advance(by: 100)
            #expect(try await service.revoke(id: issued.view.id)?.revokedAt == 1_800_000_030)
            #expect(try await store.revoke(id: issued.view.id, at: 1_900_000_000)?.revokedAt == 1_800_000_030)
            #expect(try await service.introspect(token: issued.token) == .inactive(.revoked))
            #expect(try await service.revoke(id: "tok_missing") == nil)
            #expect(try await store.revoke(id: "tok_missing", at: 1) == nil)

            // RFC 7009: unknown and malformed tokens are no error; a known one is revoked.
            try await service.revoke(token: "garbage")
            try await service.revoke(token: TokenFormat.generate())
            let carol = try await service.issue(IssueTokenRequest(subject: "carol"))
            #expect(try await service.introspect(token: carol.token).active)
            try await service.revoke(token: carol.token)
            #expect(try await service.introspect(token: carol.token) == .inactive(.revoked))
            #expect(try await service.introspect(token: TokenFormat.generate()) == .inactive(.unknown))
            #expect(try await service.introspect(token: "not-a-token") == .inactive(.unknown))

            // Duplicates are refused.
            await #expect(throws: TokenStoreError.duplicate) { try await store.insert(stored) }
        }
    }

    @Test(arguments: StoreKind.available)
    func listingFiltersAndPages(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            let clock = ManualWallClock(1_800_000_000)
            let service = TokenService(store: store, clock: clock)
            var ids: [String] = []
            for index in 0..<7 {
                let ttl: Int64 = index < 3 ? 100 : 1_000
                ids.append(try await service.issue(IssueTokenRequest(subject: index % 2 == 0 ? "even" : "odd", ttlSeconds: ttl)).view.id)
            }
            _ = try await service.revoke(id: ids[0])
            clock.advance(by: 200)
            #expect(try await service.list(TokenQuery(subject: "even")).data.map(\.id) == [ids[0], ids[2], ids[4], ids[6]])
            #expect(try await service.list(TokenQuery(status: .revoked)).data.map(\.id) == [ids[0]])
            #expect(try await service.list(TokenQuery(status: .expired)).data.map(\.id) == [ids[1], ids[2]])
            #expect(try await service.list(TokenQuery(status: .active)).data.map(\.id) == Array(ids[3...]))
            #expect(try await service.list(TokenQuery(subject: "odd", status: .active)).data.map(\.id) == [ids[3], ids[5]])
            #expect(try await service.list(TokenQuery(status: .active)).data.allSatisfy { $0.status == .active })

            var pages: [[String]] = []
            var cursor: String?
            repeat {
                let page = try await service.list(TokenQuery(limit: 3, after: cursor))
                pages.append(page.data.map(\.id))
                cursor = page.nextCursor
            } while cursor != nil
            #expect(pages == [Array(ids[0..<3]), Array(ids[3..<6]), [ids[6]]])
            #expect(try await service.list(TokenQuery(limit: 7)).nextCursor == nil)
            #expect(try await service.list(TokenQuery(subject: "nobody")).data.isEmpty)
        }
    }

    @Test(arguments: StoreKind.available)
    func concurrentRevocationsAgreeOnTheFirstTime(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            let service = TokenService(store: store, clock: ManualWallClock())
            let issued = try await service.issue(IssueTokenRequest(subject: "alice"))
            let times = try await withThrowingTaskGroup(of: Int64?.self) { group in
                for offset in 0..<8 {
                    group.addTask { try await store.revoke(id: issued.view.id, at: 1_800_000_100 + Int64(offset))?.revokedAt }
                }
                return try await group.reduce(into: Set<Int64?>()) { $0.insert($1) }
            }
            #expect(times.count == 1)
            #expect(try await store.record(id: issued.view.id)?.revokedAt == times.first!)
        }
    }

    /// Every claim, the budget's included, is kept exactly; an update replaces the policy and
    /// leaves the rest of the record; an unknown id updates nothing.
    @Test(arguments: StoreKind.available)
    func budgetClaimsAreKeptAndUpdated(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            let service = TokenService(store: store, clock: ManualWallClock(1_800_000_000))
            let policy = TokenPolicy(
                rateLimitRPM: 5, models: ["m"], maxBudget: NanoUSD(decimalUSD: "1234567.123456789"), budgetPeriod: .month)
            let issued = try await service.issue(IssueTokenRequest(subject: "alice", policy: policy))
            let stored = try #require(try await store.record(id: issued.view.id))
            #expect(stored.policy == policy)
            #expect(try await store.record(digest: TokenDigest(token: issued.token))?.policy == policy)
            #expect(try await store.list(TokenQuery(subject: "alice"), now: 1_800_000_000).records.map(\.policy) == [policy])

            let changed = TokenPolicy(rateLimitTPM: 9, maxBudget: .zero)
            let updated = try #require(try await store.update(id: issued.view.id, policy: changed))
            var expected = stored
            expected.policy = changed
            #expect(updated == expected)
            #expect(try await store.record(id: issued.view.id) == expected)
            #expect(try await store.record(digest: TokenDigest(token: issued.token)) == expected)
            #expect(try await store.update(id: "tok_unknown", policy: changed) == nil)
        }
    }

    /// Concurrent PATCHes of different claims all hold: each is a compare-and-set, retried.
    @Test(arguments: StoreKind.available)
    func concurrentUpdatesOfDifferentClaimsAreNotLost(_ kind: StoreKind) async throws {
        try await kind.withStore { store in
            let service = TokenService(store: store, clock: ManualWallClock(1_800_000_000))
            let issued = try await service.issue(IssueTokenRequest(subject: "alice"))
            let patches = [
                TokenPolicyPatch(rateLimitRPM: .set(1)), TokenPolicyPatch(rateLimitTPM: .set(2)),
                TokenPolicyPatch(models: .set(["m"])), TokenPolicyPatch(maxBudget: .set(NanoUSD(4))),
            ]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for patch in patches { group.addTask { _ = try await service.update(id: issued.view.id, patch) } }
                try await group.waitForAll()
            }
            #expect(
                try await store.record(id: issued.view.id)?.policy
                    == TokenPolicy(rateLimitRPM: 1, rateLimitTPM: 2, models: ["m"], maxBudget: NanoUSD(4)))
            // A compare-and-set against a policy that is no longer stored changes nothing.
            #expect(try await store.update(id: issued.view.id, policy: TokenPolicy(), ifCurrent: TokenPolicy()) == nil)
            #expect(try await store.record(id: issued.view.id)?.policy.rateLimitRPM == 1)
        }
    }
}

/// What only the PostgreSQL store has: durability, schema, replicas sharing one database.
@Suite(.enabled(if: TestDatabase.isConfigured, "needs LJQ_TEST_DATABASE_URL (scripts/ci/postgres.sh start)"))
struct PostgresTokenStoreTests {
    @Test func migrationsAreVersionedIdempotentAndSafeConcurrently() async throws {
        try await withPostgresStores(label: "migrate") { stores in
            let store = stores[0]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { try await store.migrate() } }
                try await group.waitForAll()
            }
            let rows = try await store.client.query(
                "SELECT component, version FROM \(unescaped: "\"\(store.sql.schema)\"").schema_migrations ORDER BY version").collect()
            let versions = try rows.map { try $0.decode((String, Int).self) }
            #expect(versions.map(\.0) == ["token_runtime", "token_runtime", "token_runtime"])
            #expect(versions.map(\.1) == [1, 2, 3])
        }
    }

    @Test func theTableHoldsDigestsNeverTokens() async throws {
        try await withPostgresStores(label: "digest") { stores in
            let service = TokenService(store: stores[0])
            let issued = try await service.issue(IssueTokenRequest(subject: "alice"))
            let rows = try await stores[0].client.query(
                """
                SELECT digest, row_to_json(t)::text FROM \(unescaped: stores[0].sql.tokens) t WHERE id = \(issued.view.id)
                """
            ).collect()
            let (digest, json) = try #require(rows.first).decode((ByteBuffer, String).self)
            #expect(Array(digest.readableBytesView) == TokenDigest(token: issued.token).bytes)
            #expect(!json.contains(issued.token))
            #expect(!json.contains(String(issued.token.dropFirst(TokenFormat.prefix.count))))
        }
    }

    @Test func aTokenRevokedThroughOneReplicaIsInactiveThroughTheOtherAtOnce() async throws {
        // A long staleness bound: passing proves the acknowledgements, not the bound, did the work.
        try await withPostgresStores(2, label: "replicas", maxStaleness: .seconds(5)) { stores in
            let clock = ManualWallClock(SystemWallClock().now())
            let a = TokenService(store: stores[0], clock: clock)
            let b = TokenService(store: stores[1], clock: clock)

            var issued: [IssuedToken] = []
            for index in 0..<5 { issued.append(try await a.issue(IssueTokenRequest(subject: "user-\(index)"))) }
            for token in issued {
                #expect(try await b.introspect(token: token.token).active)
                #expect(try await b.introspect(token: token.token).active)
            }
            #expect(stores[1].hitCounter() == HitCounter(hits: 5, misses: 5))

            // Revoked through A: B says revoked on its very next answer, although it had the token in memory.
            let start = ContinuousClock.now
            _ = try await a.revoke(id: issued[0].view.id)
            #expect(ContinuousClock.now - start < .seconds(3))
            #expect(try await b.introspect(token: issued[0].token) == .inactive(.revoked))

            // And the other way, through RFC 7009.
            #expect(try await a.introspect(token: issued[1].token).active)
            #expect(try await a.introspect(token: issued[1].token).active)
            try await b.revoke(token: issued[1].token)
            #expect(try await a.introspect(token: issued[1].token) == .inactive(.revoked))

            // Many revocations at once through A: none stays active on B.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for token in issued[2...] { group.addTask { _ = try await a.revoke(id: token.view.id) } }
                try await group.waitForAll()
            }
            for token in issued { #expect(try await b.introspect(token: token.token) == .inactive(.revoked)) }
        }
    }

    @Test func aLostNotificationCannotKeepARevokedTokenActiveLongerThanTheStalenessBound() async throws {
        let bound = Duration.milliseconds(300)
        try await withPostgresStores(label: "stale", maxStaleness: bound) { stores in
            let store = stores[0]
            let service = TokenService(store: store)
            let issued = try await service.issue(IssueTokenRequest(subject: "alice"))
            let read = ContinuousClock.now
            #expect(try await service.introspect(token: issued.token).active)
            #expect(try await service.introspect(token: issued.token).active)
            #expect(store.hitCounter().hits == 2)  // the issuing replica keeps what it wrote

            // Revoked behind the runtime's back: no notification reaches the listener.
            _ = try await store.client.query(
                "UPDATE \(unescaped: store.sql.tokens) SET revoked_at = 1 WHERE id = \(issued.view.id)"
            ).collect()
            try await Task.sleep(until: read + bound, clock: .continuous)
            #expect(try await service.introspect(token: issued.token) == .inactive(.revoked))
        }
    }

    @Test func withoutItsListenerTheStoreReadsTheDatabaseEveryTime() async throws {
        try await withPostgresStores(label: "nolisten", runListeners: false) { stores in
            let service = TokenService(store: stores[0])
            let issued = try await service.issue(IssueTokenRequest(subject: "alice"))
            for _ in 0..<3 { #expect(try await service.introspect(token: issued.token).active) }
            #expect(!stores[0].isServingFromMemory)
            #expect(stores[0].hitCounter() == HitCounter(hits: 0, misses: 3))
            #expect(stores[0].cacheHitRate() == 0)
        }
    }

    @Test func theListenerComesBackAfterItsConnectionIsKilled() async throws {
        try await withPostgresStores(2, label: "reconnect", maxStaleness: .seconds(5)) { stores in
            let a = TokenService(store: stores[0])
            let b = TokenService(store: stores[1])
            let issued = try await a.issue(IssueTokenRequest(subject: "alice"))
            #expect(try await b.introspect(token: issued.token).active)

            let killed = try await stores[0].client.query(
                """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE application_name = \("\(stores[1].sql.schema)-1") AND query LIKE 'LISTEN%'
                """
            ).collect()
            #expect(killed.count == 1)
            // B drops its memory, reconnects, registers again, and serves from memory again.
            #expect(try await TestDatabase.eventually { !stores[1].isServingFromMemory || stores[1].cachedEntries == 0 })
            #expect(try await TestDatabase.eventually { stores[1].isServingFromMemory })
            #expect(try await b.introspect(token: issued.token).active)
            #expect(try await b.introspect(token: issued.token).active)
            let start = ContinuousClock.now
            _ = try await a.revoke(id: issued.view.id)
            #expect(ContinuousClock.now - start < .seconds(3))
            #expect(try await b.introspect(token: issued.token) == .inactive(.revoked))
        }
    }

    @Test func readinessAndTheHTTPAPIUseTheDatabase() async throws {
        try await withPostgresStores(label: "http") { stores in
            let store = stores[0]
            let runtime = RuntimeApplication(configuration: .testing(), store: store)
            let app = Application(router: runtime.buildRouter())
            try await app.test(.router) { client in
                try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
                let issued = try await runtime.service.issue(IssueTokenRequest(subject: "alice"))
                try await client.execute(
                    uri: "/v1/introspect", method: .post,
                    headers: [
                        .authorization: "Bearer \(runtime.configuration.introspectionSecret)",
                        .contentType: "application/x-www-form-urlencoded",
                    ],
                    body: ByteBuffer(string: IntrospectionRequest(token: issued.token).formEncoded)
                ) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).contains(#""active":true"#))
                }
            }
        }
        // A store whose database is unreachable is not ready, and says so quickly.
        let unreachable = try TestDatabase.client(try PostgresURL("postgres://ljq:x@127.0.0.1:\(try TestDatabase.closedPort())/ljq_test"))
        let store = try PostgresTokenStore(
            client: unreachable, configuration: .init(queryTimeout: .milliseconds(500)),
            logger: TestDatabase.logger("unreachable", level: .critical))
        try await TestDatabase.withServices([unreachable]) {
            let start = ContinuousClock.now
            #expect(await store.isReady() == false)
            #expect(ContinuousClock.now - start < .seconds(3))
            await #expect(throws: TokenStoreError.self) { try await store.record(digest: TokenDigest(token: TokenFormat.generate())) }
        }
    }

    @Test func theServerRunsOnPostgresEndToEnd() async throws {
        var configuration = RuntimeConfiguration.testing(port: try TestDatabase.closedPort())
        configuration.environment = "staging"
        configuration.store = .postgres
        configuration.databaseURL = TestDatabase.urlString
        configuration.databaseTimeout = .seconds(10)
        let logger = TestDatabase.logger("serve", level: .critical)
        let server = Task { try await RuntimeServer.serve(configuration: configuration, logger: logger, handleSignals: false) }
        defer { server.cancel() }
        let admin = AdminClient(baseURL: "http://127.0.0.1:\(configuration.port)", adminKey: configuration.adminKey, timeout: .seconds(10))
        var issued: IssuedToken?
        let deadline = ContinuousClock.now + .seconds(20)
        while issued == nil, ContinuousClock.now < deadline {
            issued = try? await admin.issue(IssueTokenRequest(subject: "served"))
            if issued == nil { try await Task.sleep(for: .milliseconds(50)) }
        }
        let token = try #require(issued)
        #expect(try await admin.revoke(id: token.view.id).status == .revoked)
        #expect(try await admin.show(id: token.view.id).revokedAt != nil)
        server.cancel()
        _ = await server.result
    }

    @Test func aWrongPasswordFailsStartupNamingTheVariable() async throws {
        var url = try TestDatabase.url()
        url.password = "wrong-password"
        let start = ContinuousClock.now
        await #expect {
            try await PostgresStartup.probe(url, variable: "TOKEN_RUNTIME_DATABASE_URL", timeout: .seconds(2), logger: TestDatabase.logger("probe"))
        } throws: { error in
            let text = String(describing: error)
            return text.contains("TOKEN_RUNTIME_DATABASE_URL") && text.contains("password authentication failed")
                && !text.contains("wrong-password")
        }
        #expect(ContinuousClock.now - start < .seconds(5))
    }
}

/// Startup against a database that is not there: a clear error within seconds, never a hang.
@Suite struct RuntimeStartupTests {
    @Test func anUnreachableDatabaseFailsStartupQuicklyNamingTheVariable() async throws {
        var configuration = RuntimeConfiguration.testing(port: try TestDatabase.closedPort())
        configuration.environment = "production"
        configuration.store = .postgres
        configuration.databaseURL = "postgres://ljq:secret-password@127.0.0.1:\(try TestDatabase.closedPort())/ljq"
        configuration.databaseTimeout = .seconds(2)
        let start = ContinuousClock.now
        await #expect {
            try await RuntimeServer.serve(
                configuration: configuration, logger: TestDatabase.logger("startup", level: .critical), handleSignals: false)
        } throws: { error in
            let text = String(describing: error)
            return error is DatabaseStartupError && text.contains("TOKEN_RUNTIME_DATABASE_URL") && !text.contains("secret-password")
        }
        // Bounded (the probe's deadline is 2 s), never a hang; generous for a loaded CI machine.
        #expect(ContinuousClock.now - start < .seconds(20))
    }

    @Test func aMalformedDatabaseURLIsAConfigurationError() {
        var env = [
            "TOKEN_RUNTIME_ENV": "production", "TOKEN_RUNTIME_ADMIN_KEY": "admin-key-0123456789abcdef",
            "TOKEN_RUNTIME_INTROSPECTION_SECRET": "introspection-0123456789abcdef",
        ]
        env["TOKEN_RUNTIME_DATABASE_URL"] = "mysql://nope"
        #expect { try RuntimeConfiguration.load(from: env) } throws: { error in
            (error as? ConfigurationErrors)?.errors.map(\.variable) == ["TOKEN_RUNTIME_DATABASE_URL"]
        }
        env["TOKEN_RUNTIME_DATABASE_URL"] = "postgres://u:p@db.internal:5433/tokens?sslmode=require"
        env["TOKEN_RUNTIME_STORE_MAX_STALENESS"] = "250ms"
        let configuration = try? RuntimeConfiguration.load(from: env)
        #expect(configuration?.storeMaxStaleness == .milliseconds(250))
        let url = try? PostgresURL("postgres://u:p@db.internal:5433/tokens?sslmode=require")
        #expect(url?.redacted == "postgres://u:***@db.internal:5433/tokens?sslmode=require")
        #expect(url?.port == 5433 && url?.tls == .require)
    }
}
