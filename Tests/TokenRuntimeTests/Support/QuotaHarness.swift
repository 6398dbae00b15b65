import Logging
import PostgresNIO
import ServiceSupport
import TestSupport
import Testing
import TokenProtocol
@testable import TokenRuntime

/// One runtime replica's quota parts over a shared store: a manual clock (shared by the replicas
/// of one test), the token store, the ledger, the quota store, the authority and the alerts, with
/// a recording announcer.
struct QuotaHarness: Sendable {
    static let t0: Int64 = 1_800_000_000  // 2027-01-15T08:00:00Z, a minute's first second

    let clock: ManualWallClock
    let tokens: any TokenStore
    let ledger: any UsageLedger
    let store: any QuotaStore
    let announcer: RecordingAnnouncer
    let authority: QuotaAuthority
    let alerts: BudgetAlerts

    init(
        clock: ManualWallClock, tokens: any TokenStore, ledger: any UsageLedger, store: any QuotaStore,
        recallWait: Duration = .milliseconds(100)
    ) {
        self.clock = clock
        self.tokens = tokens
        self.ledger = ledger
        self.store = store
        let announcer = RecordingAnnouncer()
        self.announcer = announcer
        authority = QuotaAuthority(
            store: store, tokens: tokens, announcer: announcer, clock: clock, leaseTTL: 30, recallInterval: .milliseconds(20),
            recallWait: recallWait)
        alerts = BudgetAlerts(quota: store, tokens: tokens, announcer: announcer, clock: clock, logger: Logger(label: "alerts"))
    }

    /// Adds a token (active for a long time) with these claims.
    func token(
        _ id: String, budget: Int64? = nil, period: BudgetPeriod? = nil, rpm: Int? = nil, subject: String = "alice"
    ) async throws {
        try await tokens.insert(
            TokenRecord(
                id: id, digest: TokenDigest(token: "secret-of-\(id)"), subject: subject, issuedAt: Self.t0 - 60,
                expiresAt: Self.t0 + 400 * 86_400,
                policy: TokenPolicy(rateLimitRPM: rpm, maxBudget: budget.map(NanoUSD.init), budgetPeriod: period)))
    }

    /// One call of `holder` for `token`.
    @discardableResult
    func call(
        _ token: String, _ holder: String, need: Int64 = 0, want: Int64? = nil, release: Int64 = 0, needRequests: Int = 0,
        wantRequests: Int? = nil, releaseRequests: Int = 0, releaseWindow: Int64? = nil
    ) async throws -> QuotaLeaseGrant {
        try await authority.lease(
            QuotaLeaseRequest(
                tokenID: token, holder: holder, needNanoUSD: need, wantNanoUSD: want ?? need, releaseNanoUSD: release,
                needRequests: needRequests, wantRequests: wantRequests ?? needRequests, releaseRequests: releaseRequests,
                releaseWindowStart: releaseWindow))
    }

    /// A usage record of `token` costing `cost` at `time` (default: the clock's now).
    func usage(_ id: String, token: String, cost: Int64, holder: String? = nil, time: Int64? = nil) -> UsageRecord {
        UsageRecord(
            id: id, tokenID: token, subject: "alice", model: "gpt-4o-mini", provider: "openai",
            time: time ?? Int64(clock.now().rounded(.down)), promptTokens: 1, completionTokens: 1, cachedTokens: 0,
            costNanoUSD: NanoUSD(cost), priced: true, estimated: false, leaseHolder: holder)
    }
}

/// Which quota store a shared test runs against.
enum QuotaKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory, postgres

    var testDescription: String { rawValue }

    /// Memory always; PostgreSQL when `LJQ_TEST_DATABASE_URL` is set.
    static var available: [QuotaKind] { TestDatabase.isConfigured ? [.memory, .postgres] : [.memory] }

    /// `count` replicas over one store, sharing a clock and a token store: one memory store seen
    /// by all, or PostgreSQL quota stores and ledgers with a client each over one fresh schema.
    func withReplicas(
        _ count: Int = 1, recallWait: Duration = .milliseconds(100), _ body: ([QuotaHarness]) async throws -> Void
    ) async throws {
        let clock = ManualWallClock(Double(QuotaHarness.t0))
        let tokens = InMemoryTokenStore()
        switch self {
        case .memory:
            let ledger = InMemoryUsageLedger()
            let store = InMemoryQuotaStore(ledger: ledger)
            let replica = QuotaHarness(clock: clock, tokens: tokens, ledger: ledger, store: store, recallWait: recallWait)
            try await body(Array(repeating: replica, count: count))
        case .postgres:
            try await withPostgresLedgers(count, label: "quota") { ledgers, schema in
                var replicas: [QuotaHarness] = []
                for (index, ledger) in ledgers.enumerated() {
                    let store = try PostgresQuotaStore(
                        client: ledger.client, configuration: .init(schema: schema, queryTimeout: .seconds(10)),
                        logger: TestDatabase.logger("quota-\(index)"))
                    replicas.append(QuotaHarness(clock: clock, tokens: tokens, ledger: ledger, store: store, recallWait: recallWait))
                }
                try await body(replicas)
            }
        }
    }
}
