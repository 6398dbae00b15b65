import Testing
import TokenProtocol
@testable import TokenRuntime

/// The PostgreSQL quota store with several runtime replicas on one database: a client each, one
/// schema, calls at once.
@Suite(.enabled(if: TestDatabase.isConfigured, "needs LJQ_TEST_DATABASE_URL (scripts/ci/postgres.sh start)"))
struct PostgresQuotaStoreTests {
    @Test func twoReplicasNeverGrantTheSameMoneyOrRequests() async throws {
        try await QuotaKind.postgres.withReplicas(2, recallWait: .zero) { replicas in
            let budget: Int64 = 1_000_000
            try await replicas[0].token("tok_q", budget: budget, rpm: 100)
            let grants = try await withThrowingTaskGroup(of: QuotaLeaseGrant.self) { group in
                for index in 0..<60 {
                    let replica = replicas[index % 2]
                    group.addTask {
                        try await replica.call("tok_q", "gw-\(index)", need: 10_000, want: 50_000, needRequests: 1, wantRequests: 5)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let money = grants.map(\.grantedNanoUSD).reduce(0, +)
            let requests = grants.map(\.grantedRequests).reduce(0, +)
            #expect(money <= budget && money > budget - 10_000)
            #expect(requests == 100)
            #expect(grants.allSatisfy { $0.grantedNanoUSD == 0 || (10_000...50_000).contains($0.grantedNanoUSD) })

            // What remains is exactly the budget less every lease, on either replica.
            let remaining = budget - money
            let late = try await replicas[1].call("tok_q", "gw-late", need: remaining + 1)
            #expect(late.grantedNanoUSD == 0 && late.leasedNanoUSD == money && late.availableNanoUSD == remaining)
            let fits = try await replicas[0].call("tok_q", "gw-late", need: remaining)
            #expect(fits.grantedNanoUSD == remaining && fits.availableNanoUSD == 0 && fits.leasedNanoUSD == budget)
            #expect(try await replicas[1].call("tok_q", "gw-late", needRequests: 1).grantedRequests == 0)
        }
    }

    /// Holders on two replicas take money and report spending all of it, at once: every settled
    /// cost moves from a lease to the spend exactly once, so in the end nothing is leased and the
    /// spend is what was granted.
    @Test func grantsAndSettlementsAtOnceCountEveryCostOnce() async throws {
        try await QuotaKind.postgres.withReplicas(2, recallWait: .zero) { replicas in
            let budget: Int64 = 1_000_000
            try await replicas[0].token("tok_q", budget: budget)
            let granted = try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 0..<6 {
                    let replica = replicas[index % 2]
                    group.addTask {
                        var total: Int64 = 0
                        for step in 0..<40 {
                            let grant = try await replica.call("tok_q", "gw-\(index)", need: 10_000, want: 30_000)
                            guard grant.grantedNanoUSD > 0 else { break }
                            #expect(grant.spentNanoUSD + grant.leasedNanoUSD <= budget)
                            total += grant.grantedNanoUSD
                            let record = replica.usage("gw-\(index)-\(step)", token: "tok_q", cost: grant.grantedNanoUSD, holder: "gw-\(index)")
                            _ = try await replica.ledger.record([record])
                        }
                        return total
                    }
                }
                return try await group.reduce(0, +)
            }
            let end = try await replicas[1].call("tok_q", "gw-end")
            #expect(granted <= budget)
            #expect(end.leasedNanoUSD == 0 && end.spentNanoUSD == granted && end.availableNanoUSD == budget - granted)
        }
    }

    @Test func aBatchRecordedThroughTwoReplicasAtOnceSettlesOnce() async throws {
        try await QuotaKind.postgres.withReplicas(2) { replicas in
            try await replicas[0].token("tok_q", budget: 1_000_000)
            #expect(try await replicas[0].call("tok_q", "gw-a", need: 250_000).grantedNanoUSD == 250_000)
            let batch = (0..<20).map { replicas[0].usage("u\($0)", token: "tok_q", cost: 5_000, holder: "gw-a") }
            async let first = replicas[0].ledger.record(batch)
            async let second = replicas[1].ledger.record(batch)
            let receipts = try await [first, second]
            #expect(receipts.map(\.accepted).reduce(0, +) == 20)
            let now = try await replicas[1].call("tok_q", "gw-a")
            #expect(now.spentNanoUSD == 100_000 && now.leaseNanoUSD == 150_000 && now.availableNanoUSD == 750_000)
        }
    }
}
