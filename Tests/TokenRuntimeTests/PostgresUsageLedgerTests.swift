import Foundation
import Hummingbird
import HummingbirdTesting
import NIOHTTP1
import PostgresNIO
import ServiceSupport
import Testing
import TokenProtocol
@testable import TokenRuntime

/// What only the PostgreSQL ledger has: a versioned schema, durability across restarts.
@Suite(.enabled(if: TestDatabase.isConfigured, "needs LJQ_TEST_DATABASE_URL (scripts/ci/postgres.sh start)"))
struct PostgresUsageLedgerTests {
    typealias F = UsageFixtures

    @Test func migrationsAreVersionedIdempotentAndSafeConcurrently() async throws {
        try await withPostgresLedgers(label: "ledger_migrate") { ledgers, schema in
            let ledger = ledgers[0]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 { group.addTask { try await ledger.migrate() } }
                try await group.waitForAll()
            }
            let rows = try await ledger.client.query(
                "SELECT component, version FROM \(unescaped: "\"\(schema)\"").schema_migrations").collect()
            let versions = try rows.map { try $0.decode((String, Int).self) }
            #expect(versions.map(\.0) == ["usage_ledger"])
            #expect(versions.map(\.1) == [1])
        }
    }

    /// The rollups hold exactly the integer sums, per token, model and hour.
    @Test func theRollupsHoldIntegerSumsPerTokenModelAndHour() async throws {
        try await withPostgresLedgers(label: "ledger_rollups") { ledgers, schema in
            let ledger = ledgers[0]
            _ = try await ledger.record(F.batch + F.batch)
            let rows = try await ledger.client.query(
                PostgresQuery(
                    unsafeSQL: """
                        SELECT token_id, model, hour_start, requests, spend_nano_usd FROM "\(schema)".usage_rollups
                        ORDER BY token_id, model, hour_start
                        """)
            ).collect()
            let rollups = try rows.map { try $0.decode((String, String, Int64, Int64, Int64).self) }
            #expect(rollups.map(\.0) == ["tok_a", "tok_a", "tok_b", "tok_c"])
            #expect(rollups.map(\.1) == ["gpt-4o", "gpt-4o-mini", "gpt-4o-mini", "claude-3-5-haiku"])
            #expect(rollups.map(\.2) == [F.t0 + 3_600, F.t0, F.t0 + 16 * 3_600, F.t0 - 3_600])
            #expect(rollups.map(\.3) == [1, 2, 1, 1])
            #expect(rollups.map(\.4) == [350_000, 795_000, 13_500, 0])
            let events = try await ledger.client.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \"\(schema)\".usage_events"))
                .collect()
            #expect(try events.first?.decode(Int64.self) == 5)
        }
    }

    /// A new ledger over the same database (a restarted or another replica) sees everything and
    /// still knows every id.
    @Test func aRestartedLedgerKeepsEverything() async throws {
        try await withPostgresLedgers(label: "ledger_restart") { ledgers, schema in
            #expect(try await ledgers[0].record(F.batch) == UsageReportReceipt(accepted: 5, duplicates: 0))
            let client = try TestDatabase.client(applicationName: "\(schema)-restarted")
            let restarted = try PostgresUsageLedger(
                client: client, configuration: .init(schema: schema), logger: TestDatabase.logger("restarted"))
            try await TestDatabase.withServices([client]) {
                try await restarted.migrate()
                #expect(try await restarted.query(UsageFilter(), groupBy: []) == [F.totals(5, 3_510, 630, 200, 1_158_500)])
                #expect(try await restarted.record(F.batch) == UsageReportReceipt(accepted: 0, duplicates: 5))
                #expect(try await restarted.query(UsageFilter(), groupBy: .token).map(\.requests) == [3, 1, 1])
            }
        }
    }

    /// The served runtime on PostgreSQL, restarted between a report and its retry: nothing lost,
    /// nothing doubled, and the token's spend shown by the admin API.
    @Test func theServedRuntimeCountsARetryAcrossARestartOnce() async throws {
        var settings = RuntimeConfiguration.testing(port: try TestDatabase.closedPort())
        settings.environment = "staging"
        settings.store = .postgres
        settings.databaseURL = TestDatabase.urlString
        let configuration = settings
        let logger = TestDatabase.logger("serve-usage", level: .critical)
        let admin = AdminClient(baseURL: "http://127.0.0.1:\(configuration.port)", adminKey: configuration.adminKey, timeout: .seconds(5))
        let run = UInt32.random(in: .min ... .max)

        func withServer(_ body: () async throws -> Void) async throws {
            let server = Task { try await RuntimeServer.serve(configuration: configuration, logger: logger, handleSignals: false) }
            defer { server.cancel() }
            let deadline = ContinuousClock.now + .seconds(20)
            while ContinuousClock.now < deadline {
                if (try? await admin.list(subject: "nobody", status: nil, limit: 1, cursor: nil)) != nil { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            try await body()
            server.cancel()
            _ = await server.result
        }

        var tokenID = ""
        let report = { (tokenID: String) in
            UsageReport(
                records: (0..<3).map { index in
                    F.record(
                        "e2e-\(run)-\(index)", token: tokenID, subject: "served", model: "gpt-4o-mini", time: F.t0 + Int64(index),
                        prompt: 100, completion: 10, cost: 21_000)
                })
        }
        try await withServer {
            tokenID = try await admin.issue(IssueTokenRequest(subject: "served")).view.id
            let receipt = try await admin.send(
                .POST, RuntimePath.usage, body: try JSONEncoder().encode(report(tokenID)), as: UsageReportReceipt.self)
            #expect(receipt == UsageReportReceipt(accepted: 3, duplicates: 0))
        }
        try await withServer {
            let retry = try await admin.send(
                .POST, RuntimePath.usage, body: try JSONEncoder().encode(report(tokenID)), as: UsageReportReceipt.self)
            #expect(retry == UsageReportReceipt(accepted: 0, duplicates: 3))
            let answer = try await admin.usage(UsageFilter(tokenID: tokenID), groupBy: [.token, .model])
            // 3 * (100 * 150 + 10 * 600) = 63_000
            #expect(answer.data == [F.totals(token: tokenID, model: "gpt-4o-mini", 3, 300, 30, 0, 63_000)])
            let shown = try await admin.send(.GET, "\(RuntimePath.tokens)/\(tokenID)", as: SpendFields.self)
            #expect(shown.spendNanoUSD == 63_000)
        }
    }
}
