import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing
import ServiceSupport
import TokenProtocol
@testable import TokenRuntime

/// `TOKEN_RUNTIME_ALERT_WEBHOOK_URL`: budget alerts announced on this replica are POSTed as JSON,
/// retried, and never hold up the announcer.
@Suite struct BudgetAlertWebhookTests {
    static let alert = BudgetAlertEvent(
        jti: "tok_1", subject: "alice", thresholdPercent: 50, spentNanoUSD: NanoUSD(5_000_000_000),
        maxBudgetNanoUSD: NanoUSD(10_000_000_000), budgetPeriod: .month, periodStart: 1_798_761_600, periodEnd: 1_801_440_000,
        time: 1_800_000_000)

    /// What the in-test webhook received: each POST's content type and body.
    final class Received: Sendable {
        let posts = Mutex<[(String?, String)]>([])
        /// Answers 503 to this many POSTs before accepting.
        let failuresLeft = Atomic<Int>(0)
    }

    func withWebhook(_ received: Received, _ body: @Sendable (Int) async throws -> Void) async throws {
        let router = Router()
        router.post("/hook") { request, _ -> HTTPResponse.Status in
            let text = String(buffer: try await request.body.collect(upTo: 1 << 20))
            if received.failuresLeft.subtract(1, ordering: .relaxed).newValue >= 0 { return .serviceUnavailable }
            received.posts.withLock { $0.append((request.headers[.contentType], text)) }
            return .noContent
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in try await body(try #require(client.port)) }
    }

    func runtime(webhook url: String) -> RuntimeApplication {
        var configuration = RuntimeConfiguration.testing()
        configuration.alertWebhookURL = url
        return RuntimeApplication(configuration: configuration, clock: ManualWallClock(1_800_000_000))
    }

    @Test func anAnnouncedBudgetAlertIsPostedAsItsJSONAfterRetries() async throws {
        let received = Received()
        received.failuresLeft.store(2, ordering: .relaxed)
        try await withWebhook(received) { port in
            let runtime = runtime(webhook: "http://127.0.0.1:\(port)/hook")
            let webhook = try #require(runtime.alertWebhook)
            try await TestDatabase.withServices([webhook]) {
                await runtime.announcer.announce(.budget(Self.alert))
                await runtime.announcer.announce(.recall(QuotaRecallEvent(jti: "tok_1")))
                let arrived = try await TestDatabase.eventually { received.posts.withLock { $0.count } == 1 }
                #expect(arrived)
            }
            let posts = received.posts.withLock { $0 }
            #expect(posts.count == 1, "only the budget alert, once")
            #expect(posts.first?.0 == "application/json")
            let body = try #require(posts.first?.1)
            #expect(try JSONDecoder().decode(BudgetAlertEvent.self, from: Data(body.utf8)) == Self.alert)
            #expect(body == String(decoding: try StreamEvent.budget(Self.alert).jsonData(), as: UTF8.self))
            #expect(body.hasPrefix(#"{"budget_period":"month","jti":"tok_1","max_budget_nano_usd":10000000000,"#))
            #expect(runtime.events.currentID.sequence == 2, "both events also went to the subscribers")
        }
    }

    @Test func aDeadWebhookDoesNotBlockTheAnnouncer() async throws {
        let port = try TestDatabase.closedPort()
        let webhook = BudgetAlertWebhook(
            configuration: .init(
                url: "http://127.0.0.1:\(port)/hook", timeout: .milliseconds(300), shutdownGracePeriod: .milliseconds(100)),
            logger: TestDatabase.logger("webhook", level: .critical))
        let hub = RevocationEventHub(epoch: "e")
        let announcer = ClusterStreamAnnouncer(hub: hub, store: InMemoryTokenStore(), webhook: webhook, logger: Logger(label: "test"))
        try await TestDatabase.withServices([webhook]) {
            let started = ContinuousClock.now
            for _ in 0..<100 { await announcer.announce(.budget(Self.alert)) }
            #expect(ContinuousClock.now - started < .seconds(2))
            #expect(hub.currentID.sequence == 100)
            #expect(webhook.queuedCount > 0, "the alerts wait in the queue while the webhook is down")
        }
    }

    @Test func aFullQueueDropsTheNewestAlertInsteadOfWaiting() async throws {
        let webhook = BudgetAlertWebhook(
            configuration: .init(url: "http://127.0.0.1:9/hook", capacity: 2), logger: Logger(label: "test"))
        #expect(webhook.enqueue(Self.alert))
        #expect(webhook.enqueue(Self.alert))
        #expect(!webhook.enqueue(Self.alert))
        #expect(webhook.queuedCount == 2)
    }

    @Test func theURLIsCheckedWhenConfigured() throws {
        let base = ["TOKEN_RUNTIME_ENV": "dev", "TOKEN_RUNTIME_STORE": "memory"]
        #expect(try RuntimeConfiguration.load(from: base).alertWebhookURL == nil)
        var good = base
        good["TOKEN_RUNTIME_ALERT_WEBHOOK_URL"] = "https://alerts.example/budget"
        #expect(try RuntimeConfiguration.load(from: good).alertWebhookURL == "https://alerts.example/budget")
        var bad = base
        bad["TOKEN_RUNTIME_ALERT_WEBHOOK_URL"] = "alerts.example/budget"
        #expect(throws: ConfigurationErrors.self) { try RuntimeConfiguration.load(from: bad) }
    }
}
