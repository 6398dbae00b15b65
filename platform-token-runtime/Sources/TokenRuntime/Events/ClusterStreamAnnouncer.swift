import Logging
import TokenProtocol

/// The runtime's ``StreamAnnouncer``: every event announced on any replica reaches the
/// `GET /v1/events` subscribers of every replica, once each.
///
/// - Memory store (one process): straight into this process's ``RevocationEventHub``.
/// - PostgreSQL: a notification on the store's `token_events` channel; each replica's listener,
///   this one's included, publishes it into its own hub (``PostgresTokenStore/observeStreamEvents(_:)``).
///   Should the notification fail, the event is still published to this replica's subscribers.
///
/// A `.budget` event announced here (never one heard from another replica) is also handed to the
/// alert webhook, when one is configured, without waiting for its delivery.
public final class ClusterStreamAnnouncer: StreamAnnouncer {
    public let hub: RevocationEventHub
    let shared: PostgresTokenStore?
    let webhook: BudgetAlertWebhook?
    let logger: Logger

    public init(hub: RevocationEventHub, store: any TokenStore, webhook: BudgetAlertWebhook? = nil, logger: Logger) {
        self.hub = hub
        self.shared = store as? PostgresTokenStore
        self.webhook = webhook
        self.logger = logger
    }

    public func announce(_ event: StreamEvent) async {
        if case .budget(let alert) = event, let webhook, !webhook.enqueue(alert) {
            logger.error("budget alert webhook queue full; alert dropped", metadata: ["token.id": "\(alert.jti)"])
        }
        guard let shared else {
            hub.publish(event)
            return
        }
        do {
            try await shared.notify(event)
        } catch {
            logger.warning(
                "stream event not sent to the other replicas; only this replica's subscribers get it",
                metadata: ["event": "\(event.name)", "error": "\(error)"])
            hub.publish(event)
        }
    }
}
