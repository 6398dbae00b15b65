import Foundation
import Synchronization
import ServiceSupport
import TokenProtocol

/// Fans stream events (revocations, policy updates, quota recalls, budget alerts) out to
/// `GET /v1/events` subscribers, and keeps a bounded history so a subscriber that reconnects with
/// `Last-Event-ID` gets every event it missed, whatever its kind.
///
/// Subscribing and publishing share one lock, so a subscriber's replay and its live events meet
/// with no gap and no duplicate. Each subscriber has a bounded buffer; one that falls that far
/// behind is dropped with a reset rather than making the runtime buffer without bound.
public final class RevocationEventHub: Sendable {
    /// One frame of a subscriber's stream.
    public enum Frame: Sendable, Equatable {
        /// Where the stream stands (sent first), so a client that saw no event can still resume.
        case hello(RevocationEventID)
        /// One event, at its position in the stream.
        case event(RevocationEventID, StreamEvent)
        /// The client must drop every cached active entry: its position is older than the history,
        /// from another history, or it fell too far behind.
        case reset(RevocationEventID, reason: String)

        /// A revocation at `id`.
        public static func revoked(_ id: RevocationEventID, _ event: RevocationEvent) -> Frame {
            .event(id, .revoked(event))
        }
    }

    struct Subscriber {
        var continuation: AsyncStream<Frame>.Continuation
    }

    struct State {
        var sequence: UInt64 = 0
        var history: [(UInt64, StreamEvent)] = []
        var historyStart = 0
        var subscribers: [UInt64: Subscriber] = [:]
        var nextSubscriber: UInt64 = 0
    }

    public let epoch: String
    public let historyLimit: Int
    public let subscriberBuffer: Int
    private let state = Mutex(State())

    public init(epoch: String = RevocationEventHub.newEpoch(), historyLimit: Int = 10_000, subscriberBuffer: Int = 1_024) {
        self.epoch = epoch
        self.historyLimit = historyLimit
        self.subscriberBuffer = subscriberBuffer
    }

    public static func newEpoch() -> String {
        String(UInt64.random(in: 1 ... .max), radix: 36)
    }

    /// Records a revocation and sends it to every subscriber.
    public func publish(_ event: RevocationEvent) {
        publish(.revoked(event))
    }

    /// Records an event and sends it to every subscriber.
    public func publish(_ event: StreamEvent) {
        // Streams are finished outside the lock: finishing runs their termination handlers.
        let overflowed: [AsyncStream<Frame>.Continuation] = state.withLock { state in
            var overflowed: [AsyncStream<Frame>.Continuation] = []
            state.sequence += 1
            let id = RevocationEventID(epoch: epoch, sequence: state.sequence)
            if state.history.count - state.historyStart >= historyLimit {
                state.historyStart += 1
                if state.historyStart > historyLimit {  // compact now and then
                    state.history.removeFirst(state.historyStart)
                    state.historyStart = 0
                }
            }
            state.history.append((state.sequence, event))
            for (key, subscriber) in state.subscribers {
                if case .dropped = subscriber.continuation.yield(.event(id, event)) {
                    // Too far behind: its stream ends; the HTTP layer then sends a reset.
                    overflowed.append(subscriber.continuation)
                    state.subscribers[key] = nil
                }
            }
            return overflowed
        }
        for continuation in overflowed { continuation.finish() }
    }

    /// A stream for one subscriber, resuming after `lastEventID` when the history still holds
    /// everything after it, else starting with a reset. Ends when the subscriber is cancelled.
    public func subscribe(after lastEventID: String?) -> AsyncStream<Frame> {
        let (stream, continuation) = AsyncStream<Frame>.makeStream(bufferingPolicy: .bufferingOldest(subscriberBuffer))
        let key: UInt64? = state.withLock { state in
            let current = RevocationEventID(epoch: epoch, sequence: state.sequence)
            let retained = state.history[state.historyStart...]
            let oldestKept = retained.first?.0 ?? state.sequence + 1
            var replay: [(UInt64, StreamEvent)] = []
            if let text = lastEventID {
                if let last = RevocationEventID(text), last.epoch == epoch, last.sequence <= state.sequence,
                    last.sequence + 1 >= oldestKept || last.sequence == state.sequence
                {
                    replay = retained.filter { $0.0 > last.sequence }
                    continuation.yield(.hello(current))
                } else {
                    continuation.yield(.reset(current, reason: "unknown_or_expired_position"))
                }
            } else {
                continuation.yield(.hello(current))
            }
            guard replay.count < subscriberBuffer - 1 else {
                continuation.yield(.reset(current, reason: "too_far_behind"))
                return nil
            }
            for (sequence, event) in replay {
                continuation.yield(.event(RevocationEventID(epoch: epoch, sequence: sequence), event))
            }
            let key = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[key] = Subscriber(continuation: continuation)
            return key
        }
        if let key {
            continuation.onTermination = { [weak self] _ in self?.remove(key) }
        } else {
            continuation.finish()
        }
        return stream
    }

    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }

    /// The id of the newest event.
    public var currentID: RevocationEventID { state.withLock { RevocationEventID(epoch: epoch, sequence: $0.sequence) } }

    private func remove(_ key: UInt64) {
        state.withLock { $0.subscribers[key] = nil }
    }
}
