import Logging
import PostgresNIO
import ServiceSupport
import TokenProtocol

/// Announced stream events between replicas sharing the database: a replica sends each on the
/// `token_events` channel (a ``StreamEventEnvelope``); every replica's listener, its own included,
/// hands it to the stream event observer, which publishes it to that replica's subscribers.
extension PostgresTokenStore {
    /// Sets the observer of stream events heard through LISTEN/NOTIFY.
    public func observeStreamEvents(_ observer: @escaping @Sendable (StreamEvent) -> Void) {
        streamEventObserver.withLock { $0 = observer }
    }

    /// Sends `event` to every replica's listener (delivered when the statement commits).
    public func notify(_ event: StreamEvent) async throws {
        let payload = try StreamEventEnvelope.encode(event)
        try await database { [client, sql] in _ = try await client.query(sql.notify(event: payload)).collect() }
    }

    func handleStreamEvent(payload: String) {
        guard let event = StreamEventEnvelope.decode(payload) else {
            logger.warning("unreadable stream event notification; dropped", metadata: ["db.channel": "\(sql.eventsChannel)"])
            return
        }
        streamEventObserver.withLock { $0 }?(event)
    }
}
