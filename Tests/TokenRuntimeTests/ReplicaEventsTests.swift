import TestSupport
import Testing
import ServiceSupport
import TokenProtocol
@testable import TokenRuntime

/// `GET /v1/events` across replicas: a revocation through one replica reaches the event
/// subscribers of every replica sharing the database (LISTEN/NOTIFY feeds each replica's hub).
@Suite(.enabled(if: TestDatabase.isConfigured, "needs LJQ_TEST_DATABASE_URL"))
struct ReplicaEventsTests {
    @Test func aRevocationThroughOneReplicaReachesTheSubscribersOfTheOther() async throws {
        try await withPostgresStores(2, label: "events") { stores in
            let a = RuntimeApplication(configuration: .testing(), store: stores[0])
            let b = RuntimeApplication(configuration: .testing(), store: stores[1])
            let atA = a.events.subscribe(after: nil)
            let atB = b.events.subscribe(after: nil)
            let issued = try await a.service.issue(IssueTokenRequest(subject: "alice"))
            _ = try await a.service.revoke(id: issued.view.id)
            for stream in [atA, atB] {
                var frames: [RevocationEventHub.Frame] = []
                for await frame in stream {
                    frames.append(frame)
                    if frames.count == 2 { break }
                }
                guard case .event(_, .revoked(let event)) = frames.last else {
                    Issue.record("expected a revoked event, got \(frames)")
                    continue
                }
                #expect(event.jti == issued.view.id)
                #expect(event.tokenDigest == TokenDigest(token: issued.token).hex)
            }
            // Exactly one event per revocation on each replica, its own included.
            #expect(a.events.currentID.sequence == 1)
            #expect(b.events.currentID.sequence == 1)
        }
    }

    /// The first `count` frames of `stream`.
    static func take(_ count: Int, from stream: AsyncStream<RevocationEventHub.Frame>) async -> [RevocationEventHub.Frame] {
        var frames: [RevocationEventHub.Frame] = []
        for await frame in stream {
            frames.append(frame)
            if frames.count == count { break }
        }
        return frames
    }

    @Test func aRecallAndABudgetAlertAnnouncedOnOneReplicaReachTheSubscribersOfBoth() async throws {
        try await withPostgresStores(2, label: "announce") { stores in
            // Both replicas have a webhook; their services do not run here, so its queue keeps what it is given.
            var configuration = RuntimeConfiguration.testing()
            configuration.alertWebhookURL = "http://127.0.0.1:9/hook"
            let a = RuntimeApplication(configuration: configuration, store: stores[0])
            let b = RuntimeApplication(configuration: configuration, store: stores[1])
            let atA = a.events.subscribe(after: nil)
            let atB = b.events.subscribe(after: nil)
            let recall = StreamEvent.recall(QuotaRecallEvent(jti: "tok_1"))
            let budget = StreamEvent.budget(
                BudgetAlertEvent(
                    jti: "tok_1", subject: "alice", thresholdPercent: 100, spentNanoUSD: NanoUSD(5), maxBudgetNanoUSD: NanoUSD(5),
                    budgetPeriod: .total, periodStart: 0, periodEnd: nil, time: 1_800_000_000))
            await a.announcer.announce(recall)
            await a.announcer.announce(budget)
            for (runtime, stream) in [(a, atA), (b, atB)] {
                let frames = await Self.take(3, from: stream)
                let epoch = runtime.events.epoch
                #expect(frames.dropFirst() == [.event(.init(epoch: epoch, sequence: 1), recall), .event(.init(epoch: epoch, sequence: 2), budget)])
            }
            // Once in each replica's history, the announcing replica's included.
            #expect(a.events.currentID.sequence == 2)
            #expect(b.events.currentID.sequence == 2)
            // Only the announcing replica POSTs the alert; the other heard it but does not again.
            #expect(a.alertWebhook?.queuedCount == 1)
            #expect(b.alertWebhook?.queuedCount == 0)
        }
    }

    /// A policy update through one replica: the other, which had the record in memory, answers
    /// the new policy as soon as the update returns, and both replicas' subscribers hear `updated`.
    @Test func anUpdateThroughOneReplicaIsSeenAndHeardOnTheOther() async throws {
        try await withPostgresStores(2, label: "update", maxStaleness: .seconds(30)) { stores in
            let a = RuntimeApplication(configuration: .testing(), store: stores[0])
            let b = RuntimeApplication(configuration: .testing(), store: stores[1])
            let issued = try await a.service.issue(IssueTokenRequest(subject: "alice", rateLimitRPM: 60))
            #expect(try await b.service.introspect(token: issued.token).policy.rateLimitRPM == 60)
            #expect(try await b.service.introspect(token: issued.token).policy.rateLimitRPM == 60)
            #expect(stores[1].hitCounter().hits >= 1, "the second lookup on b came from memory")
            let atB = b.events.subscribe(after: nil)
            let patch = TokenPolicyPatch(rateLimitRPM: .clear, maxBudget: .set(NanoUSD(2_500_000_000)), budgetPeriod: .set(.month))
            let updated = try #require(try await a.service.update(id: issued.view.id, patch))
            #expect(updated.policy == TokenPolicy(maxBudget: NanoUSD(2_500_000_000), budgetPeriod: .month))
            let seen = try await b.service.introspect(token: issued.token)
            #expect(seen.policy == updated.policy)
            #expect(try await stores[1].record(id: issued.view.id)?.policy == updated.policy)
            let frames = await Self.take(2, from: atB)
            guard case .event(_, .updated(let event)) = frames.last else {
                Issue.record("expected an updated event, got \(frames)")
                return
            }
            #expect(event.jti == issued.view.id)
            #expect(event.tokenDigest == TokenDigest(token: issued.token).hex)
            // An update is not a revocation: no revoked event on either replica.
            #expect(b.events.currentID.sequence == 1)
            #expect(a.events.currentID.sequence == 1)
        }
    }
}
