import Testing
import TokenProtocol
@testable import TokenRuntime

/// The ledger's contract against every implementation: the in-memory one always, PostgreSQL when
/// `LJQ_TEST_DATABASE_URL` is set. Figures are worked out by hand in ``UsageFixtures``.
@Suite struct UsageLedgerContractTests {
    typealias F = UsageFixtures

    @Test(arguments: LedgerKind.available)
    func aBatchRecordedTwiceCountsOnce(_ kind: LedgerKind) async throws {
        try await kind.withLedgers { ledgers in try await recordTwice(ledgers[0]) }
    }

    func recordTwice(_ ledger: any UsageLedger) async throws {
        #expect(try await ledger.record(F.batch) == UsageReportReceipt(accepted: 5, duplicates: 0))
        #expect(try await ledger.record(F.batch) == UsageReportReceipt(accepted: 0, duplicates: 5))
        // 435_000 + 360_000 + 350_000 + 13_500 + 0
        let all = F.totals(5, 3_510, 630, 200, 1_158_500)
        #expect(try await ledger.query(UsageFilter(), groupBy: []) == [all])

        // A repeat within a batch, and a known id with other figures, are duplicates too.
        var changed = F.batch[0]
        changed.costNanoUSD = NanoUSD(999_999_999)
        let fresh = F.record(
            "gw2-1", token: "tok_b", subject: "bob", model: "gpt-4o-mini", time: F.t0, prompt: 1, completion: 1, cost: 750)
        #expect(try await ledger.record([changed, fresh, fresh]) == UsageReportReceipt(accepted: 1, duplicates: 2))
        #expect(try await ledger.query(UsageFilter(), groupBy: []) == [F.totals(6, 3_511, 631, 200, 1_159_250)])
        #expect(try await ledger.record([]) == UsageReportReceipt(accepted: 0, duplicates: 0))
    }

    @Test(arguments: LedgerKind.available)
    func totalsByTokenSubjectModelAndDay(_ kind: LedgerKind) async throws {
        try await kind.withLedgers { ledgers in
            let ledger = ledgers[0]
            _ = try await ledger.record(F.batch)
            #expect(
                try await ledger.query(UsageFilter(), groupBy: .token) == [
                    F.totals(token: "tok_a", 3, 3_100, 610, 200, 1_145_000),
                    F.totals(token: "tok_b", 1, 10, 20, 0, 13_500),
                    F.totals(token: "tok_c", 1, 400, 0, 0, 0),
                ])
            #expect(
                try await ledger.query(UsageFilter(), groupBy: .subject) == [
                    F.totals(subject: "alice", 4, 3_500, 610, 200, 1_145_000),
                    F.totals(subject: "bob", 1, 10, 20, 0, 13_500),
                ])
            #expect(
                try await ledger.query(UsageFilter(), groupBy: .model) == [
                    F.totals(model: "claude-3-5-haiku", 1, 400, 0, 0, 0),
                    F.totals(model: "gpt-4o", 1, 100, 10, 0, 350_000),
                    F.totals(model: "gpt-4o-mini", 3, 3_010, 620, 200, 808_500),
                ])
            #expect(
                try await ledger.query(UsageFilter(), groupBy: .day) == [
                    F.totals(day: "2027-01-15", 4, 3_500, 610, 200, 1_145_000),
                    F.totals(day: "2027-01-16", 1, 10, 20, 0, 13_500),
                ])
            #expect(
                try await ledger.query(UsageFilter(), groupBy: [.token, .model, .day]) == [
                    F.totals(token: "tok_a", model: "gpt-4o", day: "2027-01-15", 1, 100, 10, 0, 350_000),
                    F.totals(token: "tok_a", model: "gpt-4o-mini", day: "2027-01-15", 2, 3_000, 600, 200, 795_000),
                    F.totals(token: "tok_b", model: "gpt-4o-mini", day: "2027-01-16", 1, 10, 20, 0, 13_500),
                    F.totals(token: "tok_c", model: "claude-3-5-haiku", day: "2027-01-15", 1, 400, 0, 0, 0),
                ])
            #expect(
                try await ledger.query(UsageFilter(subject: "alice"), groupBy: [.subject, .token]) == [
                    F.totals(token: "tok_a", subject: "alice", 3, 3_100, 610, 200, 1_145_000),
                    F.totals(token: "tok_c", subject: "alice", 1, 400, 0, 0, 0),
                ])
            #expect(
                try await ledger.query(UsageFilter(tokenIDs: ["tok_b", "tok_c"]), groupBy: .token) == [
                    F.totals(token: "tok_b", 1, 10, 20, 0, 13_500),
                    F.totals(token: "tok_c", 1, 400, 0, 0, 0),
                ])
            // Nothing matches: one zero row without grouping, no rows with it.
            #expect(try await ledger.query(UsageFilter(tokenID: "tok_none"), groupBy: []) == [UsageTotals()])
            #expect(try await ledger.query(UsageFilter(tokenID: "tok_none"), groupBy: .model) == [])
        }
    }

    @Test(arguments: LedgerKind.available)
    func fromAndToSelectTheHoursOverlappingTheRange(_ kind: LedgerKind) async throws {
        try await kind.withLedgers { ledgers in
            let ledger = ledgers[0]
            _ = try await ledger.record(F.batch)
            func total(from: Int64?, to: Int64?, token: String? = nil) async throws -> UsageTotals? {
                try await ledger.query(UsageFilter(tokenID: token, from: from, to: to), groupBy: []).first
            }
            // 08:00 to 09:00: r1 and r2 (r3 at 09:00:00 is out, r5 at 07:59:59 is out).
            #expect(try await total(from: F.t0, to: F.t0 + 3_600) == F.totals(2, 3_000, 600, 200, 795_000))
            // A bound inside an hour takes in that whole hour.
            #expect(try await total(from: F.t0 + 1_800, to: F.t0 + 1_801) == F.totals(2, 3_000, 600, 200, 795_000))
            #expect(try await total(from: F.t0 + 3_600, to: F.t0 + 3_601) == F.totals(1, 100, 10, 0, 350_000))
            // `to` is exclusive: before 08:00 only r5's hour.
            #expect(try await total(from: nil, to: F.t0) == F.totals(1, 400, 0, 0, 0))
            #expect(try await total(from: F.t0 + 3_600, to: nil) == F.totals(2, 110, 30, 0, 363_500))
            #expect(try await total(from: F.t0 + 3_600, to: nil, token: "tok_a") == F.totals(1, 100, 10, 0, 350_000))
            #expect(try await total(from: F.t0 + 17 * 3_600, to: nil) == UsageTotals())
        }
    }

    /// Reports of overlapping batches at once (through two replicas' ledgers on PostgreSQL) count
    /// each record once.
    @Test(arguments: LedgerKind.available)
    func concurrentOverlappingReportsCountEachRecordOnce(_ kind: LedgerKind) async throws {
        try await kind.withLedgers(2) { ledgers in
            // Records 0..<450, costs 1_000 * (i + 1): 1_000 * 450 * 451 / 2 = 101_475_000 in all.
            let records: [UsageRecord] = (0..<450).map { (index: Int) -> UsageRecord in
                let model = index % 2 == 0 ? "m1" : "m2"
                let time: Int64 = F.t0 + Int64(index) * 60
                let cost: Int64 = 1_000 * Int64(index + 1)
                return F.record(
                    "gw-\(index)", token: "tok_\(index % 3)", subject: "s", model: model, time: time, prompt: 1, completion: 2, cost: cost)
            }
            let batches: [[UsageRecord]] = [
                Array(records[0..<300]), Array(records[150..<450]), Array(records[100..<400].reversed()), records,
            ]
            let receipts = try await withThrowingTaskGroup(of: UsageReportReceipt.self) { group in
                for (index, batch) in batches.enumerated() {
                    group.addTask { try await ledgers[index % ledgers.count].record(batch) }
                }
                return try await group.reduce(into: [UsageReportReceipt]()) { $0.append($1) }
            }
            #expect(receipts.map(\.accepted).reduce(0, +) == 450)
            // 300 + 300 + 300 + 450 records sent, 450 of them new.
            let sent = batches.map(\.count).reduce(0, +)
            #expect(receipts.map(\.duplicates).reduce(0, +) == sent - 450)
            for ledger in ledgers {
                #expect(try await ledger.query(UsageFilter(), groupBy: []) == [F.totals(450, 450, 900, 0, 101_475_000)])
            }
        }
    }
}
