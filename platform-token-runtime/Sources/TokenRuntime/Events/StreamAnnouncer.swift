import TokenProtocol

/// One event of the runtime's `GET /v1/events` stream.
public enum StreamEvent: Sendable, Equatable {
    case revoked(RevocationEvent)
    case updated(TokenUpdatedEvent)
    case recall(QuotaRecallEvent)
    case budget(BudgetAlertEvent)
}

/// Publishes stream events to the gateways subscribed to every runtime replica (through the
/// store's notifications when replicas share PostgreSQL). The seam between what decides an event
/// (token changes, the quota authority) and how it travels; tests record what is announced.
public protocol StreamAnnouncer: Sendable {
    func announce(_ event: StreamEvent) async
}
