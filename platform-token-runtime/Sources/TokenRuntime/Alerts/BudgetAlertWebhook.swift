import AsyncHTTPClient
import CoreMetrics
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import ServiceSupport
import TokenProtocol

/// POSTs each budget alert announced on this replica to `TOKEN_RUNTIME_ALERT_WEBHOOK_URL`, as the
/// ``BudgetAlertEvent``'s JSON (`Content-Type: application/json`, sorted keys).
///
/// ``enqueue(_:)`` only appends to a bounded queue and never waits, so a slow or dead webhook never
/// holds up the announcer; one background writer (``run()``, a `Service`) sends the alerts in
/// order, one per POST, retrying with capped exponential backoff (ServiceSupport's
/// ``BatchDelivery``). A 2xx answer delivers the alert; 408, 429, 5xx and network failures are
/// retried; any other 4xx drops it (the receiver would refuse it again). A full queue drops the
/// newest alert and counts it (`token_runtime_alert_webhook_dropped_total`).
public final class BudgetAlertWebhook: Service, Sendable {
    public struct Configuration: Sendable {
        public var url: String
        /// Alerts queued at most.
        public var capacity: Int
        /// Deadline of one POST.
        public var timeout: Duration
        public var retryInitial: Duration
        public var retryMaximum: Duration
        /// How long shutdown keeps trying to deliver what is queued.
        public var shutdownGracePeriod: Duration

        public init(
            url: String, capacity: Int = 10_000, timeout: Duration = .seconds(5), retryInitial: Duration = .milliseconds(200),
            retryMaximum: Duration = .seconds(30), shutdownGracePeriod: Duration = .seconds(2)
        ) {
            self.url = url
            self.capacity = capacity
            self.timeout = timeout
            self.retryInitial = retryInitial
            self.retryMaximum = retryMaximum
            self.shutdownGracePeriod = shutdownGracePeriod
        }
    }

    public let configuration: Configuration
    let delivery: BatchDelivery<BudgetAlertEvent>

    public init(
        configuration: Configuration, httpClient: HTTPClient = .shared, metricsFactory: any MetricsFactory = MetricsSystem.factory,
        logger: Logger
    ) {
        self.configuration = configuration
        let url = configuration.url
        let timeout = configuration.timeout
        delivery = BatchDelivery(
            "budget alert",
            configuration: .init(
                capacity: configuration.capacity, batchSize: 1, flushInterval: .milliseconds(50), writeTimeout: timeout,
                retryInitial: configuration.retryInitial, retryMaximum: configuration.retryMaximum,
                shutdownGracePeriod: configuration.shutdownGracePeriod),
            metrics: .init(prefix: "token_runtime_alert_webhook", factory: metricsFactory),
            logger: logger
        ) { batch in
            for item in batch { try await Self.post(item.record, to: url, httpClient: httpClient, timeout: timeout) }
        }
    }

    /// Queues `alert` for the webhook; false when the queue is full (the alert is dropped). Never waits.
    @discardableResult public func enqueue(_ alert: BudgetAlertEvent) -> Bool {
        delivery.append(alert)
    }

    /// Alerts waiting to be delivered.
    public var queuedCount: Int { delivery.queuedCount }

    public func run() async throws {
        await delivery.run()
    }

    static func post(_ alert: BudgetAlertEvent, to url: String, httpClient: HTTPClient, timeout: Duration) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "platform-token-runtime")
        request.body = .bytes(ByteBuffer(bytes: try StreamEvent.budget(alert).jsonData()))
        let response = try await httpClient.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
        _ = try? await response.body.collect(upTo: 64 << 10)
        let code = response.status.code
        if (200..<300).contains(code) { return }
        if (400..<500).contains(code), code != 408, code != 429 {
            throw BatchDelivery<BudgetAlertEvent>.Rejected("HTTP \(code)")
        }
        throw WebhookFailed(status: Int(code))
    }

    struct WebhookFailed: Error, CustomStringConvertible {
        var status: Int
        var description: String { "the webhook answered HTTP \(status)" }
    }
}
