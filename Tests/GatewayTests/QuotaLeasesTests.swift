import Logging
import ServiceSupport
import Testing
import TestSupport
import TokenProtocol

@testable import Gateway

/// The gateway's side of budgets and requests-per-minute across replicas: several ``QuotaLeases``
/// (one per gateway process) against one authority (the runtime's rules, at the seam).
@Suite struct QuotaLeasesTests {
    let clock = ManualWallClock()
    let logger = Logger(label: "test")

    func gateways(_ count: Int, _ authority: FakeQuotaAuthority) -> [QuotaLeases] {
        (0..<count).map { index in
            let leases = QuotaLeases(authority: authority, holder: "gw-\(index)", clock: clock, logger: logger)
            authority.register(leases)
            return leases
        }
    }

    @Test func concurrentReservationsOnThreeGatewaysNeverExceedTheBudgetAndUseAllOfIt() async throws {
        // 40 worst cases and a half: exactly 40 requests fit, however they interleave.
        let worst: Int64 = 1_234_567
        let authority = FakeQuotaAuthority(budget: worst * 40 + worst / 2, clock: clock)
        let leases = gateways(3, authority)
        let admitted = await withTaskGroup(of: Bool.self) { group in
            for index in 0..<200 {
                group.addTask {
                    do throws(QuotaLeases.Refusal) {
                        return try await leases[index % 3].reserve("tok", nanoUSD: worst) != nil
                    } catch {
                        #expect(error == .insufficientBudget(available: error.available, periodEnd: nil))
                        return false
                    }
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(admitted == 40)
        #expect(authority.leased <= worst * 40 + worst / 2)
    }

    @Test func aSettledRequestGivesBackWhatItDidNotCostAndTheNextRequestNeedsNoCall() async throws {
        let authority = FakeQuotaAuthority(budget: 1_000_000, clock: clock)
        let gateway = gateways(1, authority)[0]
        let first = try #require(try await gateway.reserve("tok", nanoUSD: 100_000))
        let callsAfterFirst = authority.calls
        // Granted: min(want = need + 4 x worst = 500_000, max(need, 1_000_000 / 4)) = 250_000; 100_000 reserved.
        #expect(await gateway.held("tok") == (150_000, 100_000, 0))
        await gateway.settle("tok", first, cost: 37_000)
        #expect(await gateway.held("tok") == (213_000, 0, 0))
        #expect(try await gateway.reserve("tok", nanoUSD: 100_000) != nil)
        #expect(authority.calls == callsAfterFirst)
    }

    @Test func aBusyGatewayAsksForMoreAtOnceSoCallsAreFarFewerThanRequests() async throws {
        let authority = FakeQuotaAuthority(budget: 1_000_000_000_000, clock: clock)
        let gateway = gateways(1, authority)[0]
        for _ in 0..<2_000 {  // 1,000 requests a second
            let reservation = try #require(try await gateway.reserve("tok", nanoUSD: 10_000))
            await gateway.settle("tok", reservation, cost: 10_000)
            clock.advance(by: 0.001)
        }
        // Asking for 4 more each time would take 400 calls; two seconds' worth at the pace seen: a handful.
        #expect(authority.calls <= 20, "\(authority.calls) calls for 2,000 requests")
    }

    @Test func refusalsAreRememberedUntilAnUpdateEventAndARaisedBudgetLetsTheTokenThrough() async throws {
        let authority = FakeQuotaAuthority(budget: 50, clock: clock)
        let gateway = gateways(1, authority)[0]
        await #expect(throws: QuotaLeases.Refusal.insufficientBudget(available: 50, periodEnd: nil)) {
            try await gateway.reserve("tok", nanoUSD: 100)
        }
        let calls = authority.calls
        await #expect(throws: QuotaLeases.Refusal.self) { try await gateway.reserve("tok", nanoUSD: 100) }
        #expect(authority.calls == calls, "a refusal within the last second is answered without a call")
        authority.setBudget(1_000)
        await gateway.release("tok", forget: true)
        #expect(try await gateway.reserve("tok", nanoUSD: 100) != nil)
    }

    @Test func withTheAuthorityDownOnlyTheLeaseHeldIsSpentThenRequestsAreRefused() async throws {
        let authority = FakeQuotaAuthority(budget: 1_000_000, clock: clock)
        let gateway = gateways(1, authority)[0]
        #expect(try await gateway.reserve("tok", nanoUSD: 100_000) != nil)  // holds 150_000 more
        authority.setDown(true)
        #expect(try await gateway.reserve("tok", nanoUSD: 100_000) != nil)
        await #expect(throws: QuotaLeases.Refusal.authorityUnavailable) { try await gateway.reserve("tok", nanoUSD: 100_000) }
    }

    @Test func aLeaseLapsesLocallyBeforeTheAuthorityReclaimsItAndIdleLeasesGoBack() async throws {
        let authority = FakeQuotaAuthority(budget: 1_000_000, clock: clock, ttl: 30)
        let gateway = gateways(1, authority)[0]
        let first = try #require(try await gateway.reserve("tok", nanoUSD: 100_000))
        await gateway.settle("tok", first, cost: 100_000)
        authority.settle(holder: "gw-0", cost: 100_000)
        #expect(authority.leased == 150_000)
        clock.advance(by: 1.5)
        await gateway.maintain()  // unused for a second: handed back
        #expect(authority.leased == 0)
        #expect(await gateway.held("tok").balance == 0)
        let second = try #require(try await gateway.reserve("tok", nanoUSD: 100_000))
        clock.advance(by: 23)  // past three quarters of the 30 s TTL without a renewal
        #expect(await gateway.held("tok").balance == 125_000)
        let calls = authority.calls
        _ = try await gateway.reserve("tok", nanoUSD: 1)
        #expect(authority.calls == calls + 1, "a lapsed lease is not spent: the gateway asks again")
        // The request reserved from the lapsed lease gives nothing back into the new one.
        let before = await gateway.held("tok").balance
        await gateway.settle("tok", second, cost: 10)
        #expect(await gateway.held("tok").balance == before)
    }

    @Test func requestsPerMinuteHoldAcrossThreeGateways() async throws {
        clock.set(1_800_000_010)  // 50 s left in the minute
        let authority = FakeQuotaAuthority(budget: nil, rpm: 30, clock: clock)
        let leases = gateways(3, authority)
        let outcomes = await withTaskGroup(of: Double?.self) { group in
            for index in 0..<90 {
                group.addTask {
                    do throws(QuotaLeases.Refusal) {
                        _ = try await leases[index % 3].admit("tok", limit: 30)
                        return nil
                    } catch .requestsExhausted(let retryAfter) {
                        return retryAfter
                    } catch {
                        return -1
                    }
                }
            }
            return await group.reduce(into: [Double?]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == nil }.count == 30)
        let refused = outcomes.compactMap { $0 }
        #expect(refused.count == 60)
        #expect(refused.allSatisfy { $0 > 0 && $0 <= 50 }, "Retry-After runs to the end of the minute")
        clock.advance(by: 50)  // the next minute
        #expect(try await leases[0].admit("tok", limit: 30) != nil)
    }
}

extension QuotaLeases.Refusal {
    var available: Int64 {
        if case .insufficientBudget(let available, _) = self { return available }
        return -1
    }
}

@Suite struct AuditTrailReservationTests {
    /// A stream cut off before its usage: the estimate is not trusted for a budget, the
    /// reservation (the worst case) is charged; a real usage is charged as it is.
    @Test func anEstimatedUsageIsChargedTheReservationAndARealOneItsCost() {
        let price = ModelPrice(inputPerMTok: NanoUSD(1_000_000_000), outputPerMTok: NanoUSD(2_000_000_000))  // 1,000 and 2,000 nano-USD a token
        for (estimated, expected) in [(true, Int64(777_777)), (false, Int64(10 * 1_000 + 5 * 2_000))] {
            let sink = InMemoryAuditSink()
            let trail = AuditTrail(AuditRecord(time: 0, requestID: "r", route: "/v1/chat/completions", status: 0, latencyMs: 0), sink: sink)
            trail.reserve(holder: "gw-1", nanoUSD: 777_777)
            trail.update(price: price) { _ in }
            trail.finish(status: 200, usage: Usage(promptTokens: 10, completionTokens: 5, estimated: estimated))
            let record = sink.records().first
            #expect(record?.costNanoUSD == expected)
            #expect(record?.leaseHolder == "gw-1")
        }
    }
}
