import Synchronization
import TokenProtocol
@testable import TokenRuntime

/// A ``StreamAnnouncer`` that keeps what it is told, in order, and can react to it (as a gateway
/// answers a recall with a release).
final class RecordingAnnouncer: StreamAnnouncer {
    typealias Reaction = @Sendable (StreamEvent) async -> Void

    private let recorded = Mutex<[StreamEvent]>([])
    private let reaction = Mutex<Reaction?>(nil)

    init() {}

    func announce(_ event: StreamEvent) async {
        recorded.withLock { $0.append(event) }
        if let react = reaction.withLock({ $0 }) { await react(event) }
    }

    /// Sets what to do after each announcement.
    func onAnnounce(_ react: @escaping Reaction) {
        reaction.withLock { $0 = react }
    }

    var events: [StreamEvent] { recorded.withLock { $0 } }

    var recalls: [String] {
        events.compactMap { if case .recall(let event) = $0 { event.jti } else { nil } }
    }

    var budgetAlerts: [BudgetAlertEvent] {
        events.compactMap { if case .budget(let event) = $0 { event } else { nil } }
    }
}
