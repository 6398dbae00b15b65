/// A token bucket that refills continuously: `capacity` tokens at most, `perSecond` added each
/// second. A value type for callers that keep many behind their own lock.
public struct TokenBucket: Sendable, Equatable {
    public let capacity: Double
    public let perSecond: Double
    public private(set) var level: Double
    public private(set) var updated: Double

    /// A full bucket at `now`.
    public init(capacity: Double, perSecond: Double, now: Double) {
        self.capacity = capacity
        self.perSecond = perSecond
        level = capacity
        updated = now
    }

    public mutating func refill(now: Double) {
        if now > updated { level = min(capacity, level + (now - updated) * perSecond) }
        updated = max(updated, now)
    }

    /// Takes one token if there is one; otherwise nothing changes.
    public mutating func take(now: Double) -> Bool {
        refill(now: now)
        guard level >= 1 else { return false }
        level -= 1
        return true
    }

    /// Takes one token even if that leaves the bucket below one (a charge for something that
    /// already happened); never below zero.
    public mutating func charge(now: Double) {
        refill(now: now)
        level = max(0, level - 1)
    }

    /// Returns one token taken for something that did not happen after all (never above capacity).
    public mutating func giveBack(now: Double) {
        refill(now: now)
        level = min(capacity, level + 1)
    }

    /// Seconds until one token is there again; 0 when there is one now.
    public func secondsUntilOne(now: Double) -> Double {
        let current = min(capacity, level + max(0, now - updated) * perSecond)
        return current >= 1 ? 0 : (1 - current) / perSecond
    }

    /// Full again at `now`: it holds no information and can be forgotten.
    public func isFull(now: Double) -> Bool {
        level + max(0, now - updated) * perSecond >= capacity
    }
}
