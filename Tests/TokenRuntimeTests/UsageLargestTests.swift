import Testing
import TokenProtocol
@testable import TokenRuntime

/// `largest` (`GET /v1/usage?order_by=spend&limit=N`) against every ledger: the groups of the
/// largest spend, largest first, ties in group order, after the filter.
@Suite struct UsageLargestTests {
    @Test(arguments: LedgerKind.available)
    func largestGroupsBySpend(_ kind: LedgerKind) async throws {
        try await kind.withLedgers { ledgers in
            let ledger = ledgers[0]
            let t0 = UsageFixtures.t0
            func record(_ id: String, _ token: String, _ subject: String, _ cost: Int64, time: Int64 = t0) -> UsageRecord {
                UsageFixtures.record(id, token: token, subject: subject, model: "m", time: time, prompt: 1, completion: 1, cost: cost)
            }
            _ = try await ledger.record([
                record("1", "tok_a", "alice", 500), record("2", "tok_b", "bob", 900), record("3", "tok_c", "carol", 500),
                record("4", "tok_d", "alice", 100), record("5", "tok_e", "erin", 5_000, time: t0 - 86_400),
            ])
            let window = UsageFilter(from: t0 - 3_600, to: t0 + 3_600)
            let tokens = try await ledger.largest(window, groupBy: .token, limit: 3)
            #expect(tokens.map(\.tokenID) == ["tok_b", "tok_a", "tok_c"])
            #expect(tokens.map(\.spendNanoUSD) == [NanoUSD(900), NanoUSD(500), NanoUSD(500)])
            let subjects = try await ledger.largest(window, groupBy: .subject, limit: 10)
            #expect(subjects.map(\.subject) == ["bob", "alice", "carol"])
            #expect(subjects.map(\.spendNanoUSD) == [NanoUSD(900), NanoUSD(600), NanoUSD(500)])
            #expect(try await ledger.largest(UsageFilter(), groupBy: .subject, limit: 1).map(\.subject) == ["erin"])
        }
    }
}
