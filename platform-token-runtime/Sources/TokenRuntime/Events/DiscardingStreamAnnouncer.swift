/// A ``StreamAnnouncer`` that publishes nothing: the default until the runtime's event hub
/// announces quota events (recalls, budget alerts) to subscribers.
public struct DiscardingStreamAnnouncer: StreamAnnouncer {
    public init() {}

    public func announce(_ event: StreamEvent) async {}
}
