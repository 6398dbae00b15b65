import Testing
import TokenProtocol
@testable import TokenRuntime

/// The quota authority's contract against every store: memory always, PostgreSQL when
/// `LJQ_TEST_DATABASE_URL` is set. Amounts in nano-USD, worked out by hand: a grant is
/// `min(want, max(need, available / 4))` when `available >= need`, else 0.
@Suite struct QuotaContractTests {
    static let t0 = QuotaHarness.t0
    static let budget: Int64 = 1_000_000

    @Test(arguments: QuotaKind.available)
    func grantsNeverExceedWhatIsAvailable(_ kind: QuotaKind) async throws {
        try await kind.withReplicas { replicas in
            let q = replicas[0]
            try await q.token("tok_q", budget: Self.budget)
            let first = try await q.call("tok_q", "gw-a", need: 100, want: 10_000_000)
            #expect(
                first
                    == QuotaLeaseGrant(
                        grantedNanoUSD: 250_000, leaseNanoUSD: 250_000, maxBudgetNanoUSD: 1_000_000, budgetPeriod: .total, periodStart: 0,
                        periodEnd: nil, spentNanoUSD: 0, leasedNanoUSD: 250_000, availableNanoUSD: 750_000, leaseTTLSeconds: 30,
                        grantedRequests: 0, rateLimitRPM: nil, requestsAvailable: 0, windowStart: Self.t0, windowEndsIn: 60))
            // More than remains: nothing (all or nothing), after a recall nobody answered.
            let refused = try await q.call("tok_q", "gw-b", need: 800_000, want: 900_000)
            #expect(refused.grantedNanoUSD == 0 && refused.leaseNanoUSD == 0)
            #expect(refused.leasedNanoUSD == 250_000 && refused.availableNanoUSD == 750_000)
            #expect(q.announcer.recalls == ["tok_q"])
            // Exactly what remains.
            let rest = try await q.call("tok_q", "gw-b", need: 750_000, want: 2_000_000)
            #expect(rest.grantedNanoUSD == 750_000 && rest.leasedNanoUSD == 1_000_000 && rest.availableNanoUSD == 0)
            #expect(try await q.call("tok_q", "gw-c", need: 1).grantedNanoUSD == 0)

            // Many holders, many sizes: spent + leased never passes the budget.
            try await q.token("tok_many", budget: Self.budget)
            var generator = SystemRandomNumberGenerator()
            var leases: [String: Int64] = [:]
            for index in 0..<40 {
                let holder = "gw-\(index % 5)"
                let need = Int64.random(in: 0...300_000, using: &generator)
                let release = Int64.random(in: 0...100_000, using: &generator)
                let grant = try await q.call("tok_many", holder, need: need, want: need * 2, release: release)
                leases[holder] = grant.leaseNanoUSD
                #expect(grant.grantedNanoUSD == 0 || (grant.grantedNanoUSD >= need && grant.grantedNanoUSD <= need * 2))
                #expect(grant.leasedNanoUSD == leases.values.reduce(0, +))
                #expect(grant.spentNanoUSD + grant.leasedNanoUSD + grant.availableNanoUSD == Self.budget)
            }
        }
    }

    @Test(arguments: QuotaKind.available)
    func requestsOfAMinuteAreAllOrNothingToo(_ kind: QuotaKind) async throws {
        try await kind.withReplicas { replicas in
            let q = replicas[0]
            try await q.token("tok_rpm", rpm: 10)
            let first = try await q.call("tok_rpm", "gw-a", needRequests: 1, wantRequests: 100)
            #expect(first.grantedRequests == 2 && first.requestsAvailable == 8 && first.rateLimitRPM == 10)
            #expect(first.maxBudgetNanoUSD == nil && first.grantedNanoUSD == 0 && first.budgetPeriod == nil && first.periodStart == nil)
            #expect(try await q.call("tok_rpm", "gw-b", needRequests: 9).grantedRequests == 0)
            let rest = try await q.call("tok_rpm", "gw-b", needRequests: 8, wantRequests: 8)
            #expect(rest.grantedRequests == 8 && rest.requestsAvailable == 0)
            #expect(try await q.call("tok_rpm", "gw-a", needRequests: 1).grantedRequests == 0)

            // No limit: whatever is wanted.
            try await q.token("tok_free")
            let free = try await q.call("tok_free", "gw-a", needRequests: 3, wantRequests: 5)
            #expect(free.grantedRequests == 5 && free.rateLimitRPM == nil && free.requestsAvailable == 0)
            // A zero limit is no limit here (the gateway's default applies there).
            try await q.token("tok_zero", rpm: 0)
            #expect(try await q.call("tok_zero", "gw-a", needRequests: 1, wantRequests: 7).grantedRequests == 7)
        }
    }

    @Test(arguments: QuotaKind.available)
    func releasesComeBeforeGrants(_ kind: QuotaKind) async throws {
        try await kind.withReplicas { replicas in
            let q = replicas[0]
            try await q.token("tok_q", budget: Self.budget)
            #expect(try await q.call("tok_q", "gw-a", need: 400_000).grantedNanoUSD == 400_000)
            let released = try await q.call("tok_q", "gw-a", release: 100_000)
            #expect(released.leaseNanoUSD == 300_000 && released.leasedNanoUSD == 300_000 && released.availableNanoUSD == 700_000)
            // Floored at 0.
            let all = try await q.call("tok_q", "gw-a", release: 500_000)
            #expect(all.leaseNanoUSD == 0 && all.availableNanoUSD == 1_000_000)
            // Release and take in one call: the release counts first.
            #expect(try await q.call("tok_q", "gw-b", need: 1_000_000).grantedNanoUSD == 1_000_000)
            let swapped = try await q.call("tok_q", "gw-b", need: 600_000, release: 1_000_000)
            #expect(swapped.grantedNanoUSD == 600_000 && swapped.leaseNanoUSD == 600_000 && swapped.availableNanoUSD == 400_000)

            try await q.token("tok_rpm", rpm: 10)
            #expect(try await q.call("tok_rpm", "gw-a", needRequests: 4).grantedRequests == 4)
            let back = try await q.call("tok_rpm", "gw-a", releaseRequests: 3, releaseWindow: Self.t0)
            #expect(back.requestsAvailable == 9)
            // Requests of another minute are not this minute's to hand back.
            let stale = try await q.call("tok_rpm", "gw-a", releaseRequests: 1, releaseWindow: Self.t0 - 60)
            #expect(stale.requestsAvailable == 9)
        }
    }

    @Test(arguments: QuotaKind.available)
    func aLapsedLeaseReturnsToTheBudget(_ kind: QuotaKind) async throws {
        try await kind.withReplicas { replicas in
            let q = replicas[0]
            try await q.token("tok_q", budget: Self.budget)
            #expect(try await q.call("tok_q", "gw-a", need: 1_000_000).grantedNanoUSD == 1_000_000)
            q.clock.advance(by: 20)
            // Any call extends the lease to now + 30 s.
            #expect(try await q.call("tok_q", "gw-a").leaseNanoUSD == 1_000_000)
            q.clock.advance(by: 20)
            #expect(try await q.call("tok_q", "gw-b", need: 1).grantedNanoUSD == 0)
            q.clock.advance(by: 11)
            let after = try await q.call("tok_q", "gw-b", need: 500_000)
            #expect(after.grantedNanoUSD == 500_000 && after.leasedNanoUSD == 500_000)
            // The lapsed holder starts again from nothing.
            let lapsed = try await q.call("tok_q", "gw-a")
            #expect(lapsed.leaseNanoUSD == 0 && lapsed.leasedNanoUSD == 500_000 && lapsed.availableNanoUSD == 500_000)
        }
    }

    @Test(arguments: QuotaKind.available)
    func theSweepForgetsOnlyWhatNoLongerCounts(_ kind: QuotaKind) async throws {
        try await kind.withReplicas { replicas in
            let q = replicas[0]
            try await q.token("tok_q", budget: Self.budget, rpm: 10)
            try await q.call("tok_q", "gw-old", need: 100_000, needRequests: 2)
            q.clock.advance(by: 120)
            try await q.call("tok_q", "gw-new", need: 100_000, needRequests: 3)
            // gw-old's lease lapsed at t0 + 30 and its minute ended at t0 + 60; gw-new's live on.
            #expect(try await q.store.sweep(before: Double(Self.t0 + 90)) == 2)
            #expect(try await q.store.sweep(before: Double(Self.t0 + 90)) == 0)
            let now = try await q.call("tok_q", "gw-new")
            #expect(now.leaseNanoUSD == 100_000 && now.leasedNanoUSD == 100_000 && now.requestsAvailable == 7)
        }
    }

    @Test(arguments: QuotaKind.available)
    func aNewDayStartsFromZero(_ kind: QuotaKind) async throws {
        try await kind.withReplicas { replicas in
            let q = replicas[0]
            try await q.token("tok_day", budget: Self.budget, period: .day)
            _ = try await q.ledger.record([q.usage("u1", token: "tok_day", cost: 600_000)])
            let today = try await q.call("tok_day", "gw-a", need: 100_000)
            let dayStart = Self.t0 - 8 * 3_600
            #expect(today.grantedNanoUSD == 100_000 && today.spentNanoUSD == 600_000 && today.availableNanoUSD == 300_000)
            #expect(today.budgetPeriod == .day && today.periodStart == dayStart && today.periodEnd == dayStart + 86_400)
            q.clock.set(Double(dayStart + 86_400))
            let lastLease = try await q.call("tok_day", "gw-a")
            #expect(lastLease.spentNanoUSD == 0 && lastLease.leaseNanoUSD == 0 && lastLease.periodStart == dayStart + 86_400)
            #expect(try await q.call("tok_day", "gw-b", need: 1_000_000).grantedNanoUSD == 1_000_000)
            // A late record of yesterday is yesterday's spend: today's lease keeps its money.
            _ = try await q.ledger.record([q.usage("u2", token: "tok_day", cost: 50_000, holder: "gw-b", time: Self.t0)])
            let late = try await q.call("tok_day", "gw-b")
            #expect(late.spentNanoUSD == 0 && late.leaseNanoUSD == 1_000_000)
            // Today's records settle today's lease.
            _ = try await q.ledger.record([q.usage("u3", token: "tok_day", cost: 50_000, holder: "gw-b")])
            let settled = try await q.call("tok_day", "gw-b")
            #expect(settled.spentNanoUSD == 50_000 && settled.leaseNanoUSD == 950_000 && settled.availableNanoUSD == 0)
        }
    }

    @Test(arguments: QuotaKind.available)
    func aNewMonthStartsFromZero(_ kind: QuotaKind) async throws {
        try await kind.withReplicas { replicas in
            let q = replicas[0]
            try await q.token("tok_month", budget: Self.budget, period: .month)
            let january = BudgetPeriod.month.window(containing: Self.t0)
            let february = try #require(january.end)
            // The last second of January counts in January.
            _ = try await q.ledger.record([q.usage("u1", token: "tok_month", cost: 700_000, time: february - 1)])
            let now = try await q.call("tok_month", "gw-a", need: 300_000)
            #expect(now.grantedNanoUSD == 300_000 && now.spentNanoUSD == 700_000 && now.periodStart == january.start)
            #expect(try await q.call("tok_month", "gw-b", need: 1).grantedNanoUSD == 0)
            q.clock.set(Double(february))
            let next = try await q.call("tok_month", "gw-b", need: 1_000_000)
            #expect(next.grantedNanoUSD == 1_000_000 && next.spentNanoUSD == 0 && next.periodStart == february)
        }
    }

    @Test(arguments: QuotaKind.available)
    func aNewMinuteHasItsOwnRequests(_ kind: QuotaKind) async throws {
        try await kind.withReplicas { replicas in
            let q = replicas[0]
            try await q.token("tok_rpm", rpm: 10)
            q.clock.set(Double(Self.t0) + 15.5)
            let full = try await q.call("tok_rpm", "gw-a", needRequests: 10)
            #expect(full.grantedRequests == 10 && full.windowStart == Self.t0 && full.windowEndsIn == 44.5)
            #expect(try await q.call("tok_rpm", "gw-b", needRequests: 1).grantedRequests == 0)
            q.clock.advance(by: 44.5)
            let next = try await q.call("tok_rpm", "gw-b", needRequests: 1)
            #expect(next.grantedRequests == 1 && next.windowStart == Self.t0 + 60 && next.windowEndsIn == 60 && next.requestsAvailable == 9)
        }
    }

    @Test(arguments: QuotaKind.available)
    func settledUsageMovesFromTheLeaseToTheSpendOnce(_ kind: QuotaKind) async throws {
        try await kind.withReplicas { replicas in
            let q = replicas[0]
            try await q.token("tok_q", budget: Self.budget)
            #expect(try await q.call("tok_q", "gw-a", need: 250_000).grantedNanoUSD == 250_000)
            let u1 = q.usage("u1", token: "tok_q", cost: 100_000, holder: "gw-a")
            #expect(try await q.ledger.record([u1]).accepted == 1)
            var now = try await q.call("tok_q", "gw-a")
            #expect(now.spentNanoUSD == 100_000 && now.leaseNanoUSD == 150_000 && now.availableNanoUSD == 750_000)
            // The same record again: a duplicate, settled once.
            #expect(try await q.ledger.record([u1]).duplicates == 1)
            now = try await q.call("tok_q", "gw-a")
            #expect(now.spentNanoUSD == 100_000 && now.leaseNanoUSD == 150_000)
            // Without a holder the cost is spend all the same; the lease stays.
            _ = try await q.ledger.record([q.usage("u2", token: "tok_q", cost: 50_000)])
            now = try await q.call("tok_q", "gw-a")
            #expect(now.spentNanoUSD == 150_000 && now.leaseNanoUSD == 150_000 && now.availableNanoUSD == 700_000)
            // More than the lease: floored at 0.
            _ = try await q.ledger.record([
                q.usage("u3", token: "tok_q", cost: 100_000, holder: "gw-a"), q.usage("u4", token: "tok_q", cost: 300_000, holder: "gw-a"),
            ])
            now = try await q.call("tok_q", "gw-a")
            #expect(now.spentNanoUSD == 550_000 && now.leaseNanoUSD == 0 && now.availableNanoUSD == 450_000)
        }
    }

    @Test(arguments: QuotaKind.available)
    func aRecallLetsOtherHoldersHandBack(_ kind: QuotaKind) async throws {
        // The wait for hand-backs ends as soon as the need is met: well before this.
        try await kind.withReplicas(recallWait: .seconds(20)) { replicas in
            let q = replicas[0]
            try await q.token("tok_q", budget: Self.budget)
            #expect(try await q.call("tok_q", "gw-a", need: 1_000_000).grantedNanoUSD == 1_000_000)
            // gw-a answers a recall by handing back all it holds.
            q.announcer.onAnnounce { event in
                guard case .recall(let recall) = event else { return }
                _ = try? await q.call(recall.jti, "gw-a", release: 1_000_000)
            }
            let started = ContinuousClock.now
            let grant = try await q.call("tok_q", "gw-b", need: 400_000, needRequests: 1)
            #expect(grant.grantedNanoUSD == 400_000 && grant.grantedRequests == 1 && grant.leasedNanoUSD == 400_000)
            #expect(q.announcer.recalls == ["tok_q"])
            #expect(ContinuousClock.now - started < .seconds(10), "the call waited out the recall instead of ending when met")

            // Nobody else holds anything: no recall, an answer at once.
            try await q.token("tok_small", budget: 100)
            #expect(try await q.call("tok_small", "gw-b", need: 200, want: 200).grantedNanoUSD == 0)
            #expect(q.announcer.recalls == ["tok_q"])
        }
    }

    @Test(arguments: QuotaKind.available)
    func budgetAlertsOncePerThresholdAndPeriod(_ kind: QuotaKind) async throws {
        try await kind.withReplicas(2) { replicas in
            let q = replicas[0]
            try await q.token("tok_day", budget: Self.budget, period: .day)
            let dayStart = Self.t0 - 8 * 3_600
            func checkOnBoth() async -> [Int] {
                async let first = replicas[0].alerts.check(tokenIDs: ["tok_day"])
                async let second = replicas[1].alerts.check(tokenIDs: ["tok_day"])
                return (await first + second).map(\.thresholdPercent).sorted()
            }
            _ = try await q.ledger.record([q.usage("u1", token: "tok_day", cost: 500_000)])
            #expect(await checkOnBoth() == [50])
            _ = try await replicas[1].ledger.record([q.usage("u2", token: "tok_day", cost: 300_000)])
            #expect(await checkOnBoth() == [80])
            #expect(await checkOnBoth() == [])
            _ = try await q.ledger.record([q.usage("u3", token: "tok_day", cost: 300_000)])
            #expect(await checkOnBoth() == [100])
            // The next day is a new period.
            q.clock.set(Double(dayStart + 86_400 + 60))
            _ = try await q.ledger.record([q.usage("u4", token: "tok_day", cost: 600_000)])
            #expect(await checkOnBoth() == [50])

            let alerts =
                replicas.count == 2 && replicas[0].announcer === replicas[1].announcer
                ? q.announcer.budgetAlerts : replicas[0].announcer.budgetAlerts + replicas[1].announcer.budgetAlerts
            #expect(alerts.map(\.thresholdPercent).sorted() == [50, 50, 80, 100])
            let first = try #require(alerts.first { $0.thresholdPercent == 50 && $0.periodStart == dayStart })
            #expect(
                first
                    == BudgetAlertEvent(
                        jti: "tok_day", subject: "alice", thresholdPercent: 50, spentNanoUSD: NanoUSD(500_000),
                        maxBudgetNanoUSD: NanoUSD(1_000_000), budgetPeriod: .day, periodStart: dayStart, periodEnd: dayStart + 86_400,
                        time: Self.t0))
            // A token without a budget never alerts.
            try await q.token("tok_free")
            _ = try await q.ledger.record([q.usage("u5", token: "tok_free", cost: 900_000)])
            #expect(await q.alerts.check(tokenIDs: ["tok_free"]).isEmpty)
        }
    }
}
