import ServiceSupport
import Synchronization

/// What routing knows of one provider: a moving average of its latency and its recent failures.
public final class ProviderStats: Sendable {
    public struct Snapshot: Sendable, Equatable {
        /// Exponentially weighted moving average of successful call latency, in seconds.
        public var averageLatency: Double?
        public var consecutiveFailures: Int = 0
        /// Until when (wall seconds) the provider is skipped by `availability`.
        public var cooldownUntil: Double = 0

        public func isCoolingDown(now: Double) -> Bool { cooldownUntil > now }
    }

    /// Failures in a row that put a provider in cooldown, and for how long.
    public static let failureThreshold = 3
    public static let cooldown: Double = 30
    static let smoothing = 0.2

    private let state = Mutex(Snapshot())

    public init() {}

    public func snapshot() -> Snapshot { state.withLock { $0 } }

    public func recordSuccess(latency: Double) {
        state.withLock { state in
            state.averageLatency = state.averageLatency.map { $0 + Self.smoothing * (latency - $0) } ?? latency
            state.consecutiveFailures = 0
            state.cooldownUntil = 0
        }
    }

    public func recordFailure(now: Double, latency: Double) {
        state.withLock { state in
            // A failure counts as slow, so `latency` also steers away from it.
            let penalty = max(latency, (state.averageLatency ?? latency) * 2)
            state.averageLatency = state.averageLatency.map { $0 + Self.smoothing * (penalty - $0) } ?? penalty
            state.consecutiveFailures += 1
            if state.consecutiveFailures >= Self.failureThreshold {
                state.cooldownUntil = now + Self.cooldown
            }
        }
    }
}
