import PostgresNIO
import ServiceSupport
import Testing
import TokenProtocol
@testable import TokenRuntime

/// Which ledger a shared test runs against.
enum LedgerKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory, postgres

    var testDescription: String { rawValue }

    /// Memory always; PostgreSQL when `LJQ_TEST_DATABASE_URL` is set.
    static var available: [LedgerKind] { TestDatabase.isConfigured ? [.memory, .postgres] : [.memory] }

    /// `count` ledgers over one store: the same memory ledger, or PostgreSQL ledgers with a
    /// client each (as replicas have) over one fresh schema.
    func withLedgers(_ count: Int = 1, _ body: ([any UsageLedger]) async throws -> Void) async throws {
        switch self {
        case .memory:
            let ledger = InMemoryUsageLedger()
            try await body(Array(repeating: ledger as any UsageLedger, count: count))
        case .postgres:
            try await withPostgresLedgers(count, label: "ledger") { ledgers, _ in try await body(ledgers) }
        }
    }
}

/// PostgreSQL ledgers for tests: a schema of their own (dropped afterwards), migrated, one
/// running PostgresClient per ledger. `body` also gets the schema, to open more ledgers on it.
func withPostgresLedgers(
    _ count: Int = 1, label: String, _ body: ([PostgresUsageLedger], String) async throws -> Void
) async throws {
    let schema = TestDatabase.uniqueSchema(label)
    var clients: [PostgresClient] = []
    var ledgers: [PostgresUsageLedger] = []
    for index in 0..<count {
        let client = try TestDatabase.client(applicationName: "\(schema)-\(index)")
        clients.append(client)
        ledgers.append(
            try PostgresUsageLedger(
                client: client, configuration: .init(schema: schema, queryTimeout: .seconds(10)),
                logger: TestDatabase.logger("ledger-\(index)")))
    }
    let ready = ledgers
    try await TestDatabase.withServices(clients) {
        try await ready[0].migrate()
        try await body(ready, schema)
    }
    await TestDatabase.dropSchema(schema)
}

/// Records whose figures are worked out by hand in the tests. T0 = 1_800_000_000 is
/// 2027-01-15T08:00:00Z. Prices (nano-USD per token): gpt-4o-mini 150 input, 75 cached input, 600
/// output; gpt-4o 2_500, 1_250, 10_000.
enum UsageFixtures {
    static let t0: Int64 = 1_800_000_000

    static func record(
        _ id: String, token: String, subject: String, model: String, time: Int64, prompt: Int64, completion: Int64,
        cached: Int64 = 0, cost: Int64, priced: Bool = true
    ) -> UsageRecord {
        UsageRecord(
            id: id, tokenID: token, subject: subject, model: model, provider: "openai", time: time, promptTokens: prompt,
            completionTokens: completion, cachedTokens: cached, costNanoUSD: NanoUSD(cost), priced: priced, estimated: false)
    }

    /// r1: 800 * 150 + 200 * 75 + 500 * 600 = 435_000. r2: 2_000 * 150 + 100 * 600 = 360_000.
    /// r3 (09:00): 100 * 2_500 + 10 * 10_000 = 350_000. r4 (next day): 10 * 150 + 20 * 600 = 13_500.
    /// r5 (07:59:59, unpriced): 0.
    static let batch: [UsageRecord] = [
        record("gw1-1", token: "tok_a", subject: "alice", model: "gpt-4o-mini", time: t0 + 10, prompt: 1_000, completion: 500, cached: 200, cost: 435_000),
        record("gw1-2", token: "tok_a", subject: "alice", model: "gpt-4o-mini", time: t0 + 3_599, prompt: 2_000, completion: 100, cost: 360_000),
        record("gw1-3", token: "tok_a", subject: "alice", model: "gpt-4o", time: t0 + 3_600, prompt: 100, completion: 10, cost: 350_000),
        record("gw1-4", token: "tok_b", subject: "bob", model: "gpt-4o-mini", time: t0 + 16 * 3_600, prompt: 10, completion: 20, cost: 13_500),
        record(
            "gw1-5", token: "tok_c", subject: "alice", model: "claude-3-5-haiku", time: t0 - 1, prompt: 400, completion: 0, cost: 0,
            priced: false),
    ]

    static func totals(
        token: String? = nil, subject: String? = nil, model: String? = nil, day: String? = nil, _ requests: Int64, _ prompt: Int64,
        _ completion: Int64, _ cached: Int64, _ spend: Int64
    ) -> UsageTotals {
        UsageTotals(
            tokenID: token, subject: subject, model: model, day: day, requests: requests, promptTokens: prompt,
            completionTokens: completion, cachedTokens: cached, spendNanoUSD: NanoUSD(spend))
    }
}
