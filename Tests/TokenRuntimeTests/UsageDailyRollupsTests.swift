import Testing
import TokenProtocol
@testable import TokenRuntime

/// A query of whole UTC days reads PostgreSQL's daily rollups, any other the hourly ones: both
/// must give the same sums, on every ledger, and a report recorded twice still counts once in both.
@Suite struct UsageDailyRollupsTests {
    @Test(arguments: LedgerKind.available)
    func wholeDayAndHourWindowsAgree(_ kind: LedgerKind) async throws {
        try await kind.withLedgers { ledgers in
            let ledger = ledgers[0]
            let day = UsageFixtures.t0 - UsageFixtures.t0 % 86_400  // a UTC midnight
            var records: [UsageRecord] = []
            for hour in Int64(2)..<Int64(22) {
                for (index, model) in ["gpt-4o-mini", "gpt-4o"].enumerated() {
                    records.append(
                        UsageFixtures.record(
                            "d-\(hour)-\(model)", token: hour % 3 == 0 ? "tok_a" : "tok_b", subject: hour % 2 == 0 ? "alice" : "bob",
                            model: model, time: day + hour * 3_600 + 59, prompt: hour, completion: 2 * hour, cost: hour * 1_000 + Int64(index)))
                }
            }
            // The next day too, and twice (the second time all duplicates).
            records.append(
                UsageFixtures.record("next", token: "tok_a", subject: "alice", model: "gpt-4o", time: day + 86_400 + 7_200, prompt: 1, completion: 1, cost: 5))
            _ = try await ledger.record(records)
            #expect(try await ledger.record(records) == UsageReportReceipt(accepted: 0, duplicates: records.count))

            let groupings: [UsageGrouping] = [[], .token, .subject, .model, .day, [.day, .model], [.token, .subject, .model, .day]]
            for grouping in groupings {
                // Whole days (daily rollups) against the same records through an hour-aligned window.
                let wholeDays = try await ledger.query(UsageFilter(from: day, to: day + 2 * 86_400), groupBy: grouping)
                let hours = try await ledger.query(UsageFilter(from: day + 3_600, to: day + 86_400 + 10_800), groupBy: grouping)
                #expect(wholeDays == hours, "group_by \(grouping.keyNames)")
                let oneDay = try await ledger.query(UsageFilter(from: day, to: day + 86_400), groupBy: grouping)
                let oneDayByHours = try await ledger.query(UsageFilter(from: day + 3_600, to: day + 86_400 - 3_600), groupBy: grouping)
                #expect(oneDay == oneDayByHours, "one day, group_by \(grouping.keyNames)")
                #expect(try await ledger.query(UsageFilter(), groupBy: grouping) == wholeDays, "no bounds, group_by \(grouping.keyNames)")
            }
            let total = try await ledger.query(UsageFilter(from: day, to: day + 86_400), groupBy: [])
            #expect(total.first?.requests == 40)
            #expect(try await ledger.largest(UsageFilter(from: day, to: day + 86_400), groupBy: .subject, limit: 1).first?.subject == "bob")
        }
    }
}
