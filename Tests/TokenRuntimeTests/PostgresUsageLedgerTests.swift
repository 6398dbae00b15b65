import Foundation
import Hummingbird
import HummingbirdTesting
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
                "SELECT component, version FROM \(unescaped: "\"\(schema)\"").schema_migrations ORDER BY version").collect()
            let versions = try rows.map { try $0.decode((String, Int).self) }
            #expect(versions.map(\.0) == ["usage_ledger", "usage_ledger", "usage_ledger"])
            #expect(versions.map(\.1) == [1, 2, 3])
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

    /// The runtime's HTTP API on a PostgreSQL ledger, restarted (a new ledger with its own
    /// client over the same tables) between a report and its retry: nothing lost, nothing doubled,
    /// and the token's spend shown by the admin API. Real sockets.
    @Test func aRetryAcrossARuntimeRestartCountsOnce() async throws {
        let configuration = RuntimeConfiguration.testing()
        let tokens = InMemoryTokenStore()
        let admin: HTTPFields = [.authorization: "Bearer \(configuration.adminKey)", .contentType: "application/json"]
        let gateway: HTTPFields = [
            .authorization: "Bearer \(configuration.introspectionSecret)", .contentType: "application/json",
        ]
        try await withPostgresLedgers(label: "ledger_http") { ledgers, schema in
            let first = RuntimeApplication(configuration: configuration, store: tokens, ledger: ledgers[0])
            let tokenID = try await first.service.issue(IssueTokenRequest(subject: "served")).view.id
            let report = UsageReport(
                records: (0..<3).map { index in
                    F.record(
                        "e2e-\(index)", token: tokenID, subject: "served", model: "gpt-4o-mini", time: F.t0 + Int64(index),
                        prompt: 100, completion: 10, cost: 21_000)
                })
            let body = ByteBuffer(bytes: try JSONEncoder().encode(report))
            try await Application(router: first.buildRouter()).test(.live) { client in
                try await client.execute(uri: RuntimePath.usage, method: .post, headers: gateway, body: body) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body) == #"{"accepted":3,"duplicates":0}"#)
                }
            }

            let client = try TestDatabase.client(applicationName: "\(schema)-restarted")
            let restartedLedger = try PostgresUsageLedger(
                client: client, configuration: .init(schema: schema), logger: TestDatabase.logger("restarted"))
            try await TestDatabase.withServices([client]) {
                try await restartedLedger.migrate()
                let restarted = RuntimeApplication(configuration: configuration, store: tokens, ledger: restartedLedger)
                try await Application(router: restarted.buildRouter()).test(.live) { client in
                    try await client.execute(uri: RuntimePath.usage, method: .post, headers: gateway, body: body) { response in
                        #expect(String(buffer: response.body) == #"{"accepted":0,"duplicates":3}"#)
                    }
                    try await client.execute(
                        uri: "\(RuntimePath.usage)?token_id=\(tokenID)&group_by=token,model", method: .get, headers: gateway
                    ) { response in
                        let answer = try JSONDecoder().decode(UsageQueryAnswer.self, from: Data(response.body.readableBytesView))
                        // 3 * (100 * 150 + 10 * 600) = 63_000
                        #expect(answer.data == [F.totals(token: tokenID, model: "gpt-4o-mini", 3, 300, 30, 0, 63_000)])
                    }
                    try await client.execute(uri: "\(RuntimePath.tokens)/\(tokenID)", method: .get, headers: admin) { response in
                        let text = String(buffer: response.body)
                        #expect(text.contains(#""spend_nano_usd":63000"#) && text.contains(#""spend_usd":0.000063"#))
                    }
                }
            }
        }
    }
}
