import Foundation
import Hummingbird
import HummingbirdTesting
import ServiceSupport
import TestSupport
import Testing
import TokenProtocol
@testable import TokenRuntime

/// `POST /v1/quota/lease` through the runtime's router, and a usage report settling a lease and
/// alerting.
@Suite struct QuotaHTTPTests {
    let configuration = RuntimeConfiguration.testing()
    static let t0 = QuotaHarness.t0

    var gateway: HTTPFields { [.authorization: "Bearer \(configuration.introspectionSecret)", .contentType: "application/json"] }

    func post(_ client: some TestClientProtocol, _ path: String, _ body: some Encodable, headers: HTTPFields? = nil) async throws
        -> (HTTPResponse.Status, String)
    {
        try await client.execute(
            uri: path, method: .post, headers: headers ?? gateway, body: ByteBuffer(bytes: try JSONEncoder().encode(body))
        ) { response in (response.status, String(buffer: response.body)) }
    }

    @Test func leasesThroughTheRouter() async throws {
        let announcer = RecordingAnnouncer()
        let runtime = RuntimeApplication(configuration: configuration, announcer: announcer, clock: ManualWallClock(Double(Self.t0)))
        let policy = TokenPolicy(rateLimitRPM: 10, maxBudget: NanoUSD(1_000_000), budgetPeriod: .day)
        try await runtime.service.store.insert(
            TokenRecord(
                id: "tok_q", digest: TokenDigest(token: "a"), subject: "alice", issuedAt: Self.t0, expiresAt: Self.t0 + 3_600,
                policy: policy))
        try await runtime.service.store.insert(
            TokenRecord(
                id: "tok_gone", digest: TokenDigest(token: "b"), subject: "alice", issuedAt: Self.t0, expiresAt: Self.t0 + 3_600,
                revokedAt: Self.t0, policy: policy))
        let app = Application(router: runtime.buildRouter())
        try await app.test(.router) { client in
            let call = QuotaLeaseRequest(
                tokenID: "tok_q", holder: "gw-1", needNanoUSD: 100_000, wantNanoUSD: 600_000, needRequests: 1, wantRequests: 4)
            let (status, text) = try await post(client, QuotaPath.lease, call)
            #expect(status == .ok)
            #expect(text.contains(#""granted_nano_usd":250000"#) && text.contains(#""window_ends_in":60"#))
            let grant = try JSONDecoder().decode(QuotaLeaseGrant.self, from: Data(text.utf8))
            let dayStart = Self.t0 - 8 * 3_600
            #expect(
                grant
                    == QuotaLeaseGrant(
                        grantedNanoUSD: 250_000, leaseNanoUSD: 250_000, maxBudgetNanoUSD: 1_000_000, budgetPeriod: .day,
                        periodStart: dayStart, periodEnd: dayStart + 86_400, spentNanoUSD: 0, leasedNanoUSD: 250_000,
                        availableNanoUSD: 750_000, leaseTTLSeconds: 30, grantedRequests: 2, rateLimitRPM: 10, requestsAvailable: 8,
                        windowStart: Self.t0, windowEndsIn: 60))

            var unknown = call
            unknown.tokenID = "tok_nobody"
            #expect(try await post(client, QuotaPath.lease, unknown).0 == .notFound)
            var revoked = call
            revoked.tokenID = "tok_gone"
            let (forbidden, why) = try await post(client, QuotaPath.lease, revoked)
            #expect(forbidden == .forbidden && why.contains("revoked"))
            var negative = call
            negative.releaseNanoUSD = -1
            #expect(try await post(client, QuotaPath.lease, negative).0 == .badRequest)
            var greedy = call
            greedy.wantRequests = 0
            #expect(try await post(client, QuotaPath.lease, greedy).0 == .badRequest)
            #expect(try await post(client, QuotaPath.lease, call, headers: [.contentType: "application/json"]).0 == .unauthorized)

            // The gateway reports what a leased request cost: it moves to the spend, and 50 % alerts.
            let record = UsageRecord(
                id: "gw-1-1", tokenID: "tok_q", subject: "alice", model: "gpt-4o-mini", provider: "openai", time: Self.t0,
                promptTokens: 10, completionTokens: 10, cachedTokens: 0, costNanoUSD: NanoUSD(500_000), priced: true, estimated: false,
                leaseHolder: "gw-1")
            #expect(try await post(client, RuntimePath.usage, UsageReport(records: [record])).0 == .ok)
            let after = try JSONDecoder().decode(
                QuotaLeaseGrant.self, from: Data(try await post(client, QuotaPath.lease, QuotaLeaseRequest(tokenID: "tok_q", holder: "gw-1")).1.utf8))
            #expect(after.spentNanoUSD == 500_000 && after.leaseNanoUSD == 0 && after.availableNanoUSD == 500_000)
            let alerted = try await TestDatabase.eventually(within: .seconds(5)) { announcer.budgetAlerts.count == 1 }
            #expect(alerted && announcer.budgetAlerts.first?.thresholdPercent == 50)

            let exposition = String(decoding: runtime.metrics.exposition(store: runtime.service.store), as: UTF8.self)
            #expect(exposition.contains(#"token_runtime_quota_calls_total{result="granted"} 1"#))
        }
    }
}
