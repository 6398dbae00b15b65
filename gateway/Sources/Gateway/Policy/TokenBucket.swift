/// A token bucket that refills continuously: `capacity` tokens at most, `perSecond` added each
/// second. A value type for callers that keep many behind their own lock.
struct TokenBucket: Sendable, Equatable {
    let capacity: Double
    let perSecond: Double
    private(set) var level: Double
    private(set) var updated: Double

    /// A full bucket at `now`.
    init(capacity: Double, perSecond: Double, now: Double) {
        self.capacity = capacity
        self.perSecond = perSecond
        level = capacity
        updated = now
    }

    mutating func refill(now: Double) {
        if now > updated { level = min(capacity, level + (now - updated) * perSecond) }
        updated = max(updated, now)
    }

    /// Takes one token if there is one; otherwise nothing changes.
    mutating func take(now: Double) -> Bool {
        refill(now: now)
        guard level >= 1 else { return false }
        level -= 1
        return true
    }

    /// Takes one token even if that leaves the bucket below one (a charge for something that
    /// already happened); never below zero.
    mutating func charge(now: Double) {
        refill(now: now)
        level = max(0, level - 1)
    }

    /// Seconds until one token is there again; 0 when there is one now.
    func secondsUntilOne(now: Double) -> Double {
        let current = min(capacity, level + max(0, now - updated) * perSecond)
        return current >= 1 ? 0 : (1 - current) / perSecond
    }

    /// Full again at `now`: it holds no information and can be forgotten.
    func isFull(now: Double) -> Bool {
        level + max(0, now - updated) * perSecond >= capacity
    }
}
