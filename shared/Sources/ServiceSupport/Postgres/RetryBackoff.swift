/// Capped exponential backoff with jitter: `initial`, doubling, never above `maximum`; each delay
/// is drawn from its upper half so that replicas retrying together spread out.
public struct RetryBackoff: Sendable {
    public let initial: Duration
    public let maximum: Duration
    private var current: Duration

    public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(5)) {
        precondition(initial > .zero && maximum >= initial)
        self.initial = initial
        self.maximum = maximum
        self.current = initial
    }

    /// The next delay to wait.
    public mutating func next() -> Duration {
        let delay = current
        current = min(current * 2, maximum)
        let nanoseconds = delay.nanoseconds
        return .nanoseconds(Int64.random(in: (nanoseconds / 2)...max(nanoseconds / 2, nanoseconds)))
    }

    /// Back to `initial` after a success.
    public mutating func reset() {
        current = initial
    }
}
