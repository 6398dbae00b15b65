import Logging
import Synchronization

/// A per-client-address budget of failed authentications (`GATEWAY_AUTH_FAILURE_LIMIT` and
/// `TOKEN_RUNTIME_AUTH_FAILURE_LIMIT` per minute): a token bucket per address, charged one token
/// per failure. In the gateway a failure is an unknown, revoked, expired or malformed token, and
/// while an address's bucket is empty its requests with tokens the cache does not already know as
/// active are refused (429) before any introspection, so a flood of forged tokens costs the token
/// runtime nothing; tokens cached as active are never checked, so an office behind one NAT address
/// is not locked out by one bad script. In the runtime a failure is a wrong admin key or
/// introspection secret, and an address over budget gets 429 without its credential being compared.
///
/// Bounded memory: only addresses that failed are tracked, at most `maxAddresses` of them (least
/// recently failed forgotten first, about 100 bytes each); an address whose bucket has refilled
/// completely holds no information and is dropped by ``sweep()``.
public final class AuthFailureBudget: Sendable {
    struct Entry {
        var bucket: TokenBucket
        /// When a warning last named this address (0: never).
        var warned: Double = 0
    }

    struct State {
        var addresses: LRUTable<String, Entry>
        /// Global limit on the warning lines themselves: a distributed flood must not flood the log.
        var warnings: TokenBucket
        var suppressedWarnings = 0
    }

    public let failuresPerMinute: Int
    public let maxAddresses: Int
    let clock: any WallClock
    let logger: Logger
    private let state: Mutex<State>
    /// Addresses tracked, readable without the lock: while nobody has failed (the normal case),
    /// ``retryAfter(_:)`` is one atomic load, so callers may ask on every request.
    private let tracked = Atomic<Int>(0)

    public static let defaultMaxAddresses = 65_536
    /// At most one warning per address per minute, and 20 a minute in all.
    static let warningInterval: Double = 60
    static let warningsPerMinute: Double = 20

    public init(
        failuresPerMinute: Int, maxAddresses: Int = defaultMaxAddresses, clock: any WallClock = SystemWallClock(),
        logger: Logger = Logger(label: "gateway.auth")
    ) {
        precondition(failuresPerMinute > 0 && maxAddresses > 0)
        self.failuresPerMinute = failuresPerMinute
        self.maxAddresses = maxAddresses
        self.clock = clock
        self.logger = logger
        let now = clock.now()
        state = Mutex(
            State(
                addresses: LRUTable(capacity: maxAddresses),
                warnings: TokenBucket(capacity: Self.warningsPerMinute, perSecond: Self.warningsPerMinute / 60, now: now)))
    }

    /// What ``admit(_:)`` decided for one attempt.
    public enum Admission: Sendable, Equatable {
        /// Over budget: refuse without checking the credential; one more attempt is allowed after this many seconds.
        case refused(retryAfter: Double)
        /// The address has failed before: one failure's worth is taken now (so concurrent attempts
        /// cannot overdraw the budget while their checks are in flight) and given back if this
        /// attempt succeeds.
        case reserved
        /// The address has not failed lately: nothing is taken (a failure is charged when it happens).
        case unreserved
    }

    /// Decides whether an attempt from `address` may go on to have its credential checked. Call
    /// ``settle(_:_:failed:reason:)`` with the outcome. While no address is tracked this is one
    /// atomic load.
    public func admit(_ address: String) -> Admission {
        guard tracked.load(ordering: .relaxed) > 0 else { return .unreserved }
        let now = clock.now()
        return state.withLock { state in
            guard var entry = state.addresses.peek(address) else { return .unreserved }
            guard entry.bucket.take(now: now) else { return .refused(retryAfter: entry.bucket.secondsUntilOne(now: now)) }
            state.addresses.set(address, entry)
            return .reserved
        }
    }

    /// The outcome of an admitted attempt: a failure is charged (unless it was reserved), a
    /// success gives a reservation back.
    public func settle(_ address: String, _ admission: Admission, failed: Bool, reason: String) {
        switch (admission, failed) {
        case (.unreserved, true): charge(address, reason: reason, taken: false)
        case (.reserved, true): charge(address, reason: reason, taken: true)
        case (.reserved, false):
            let now = clock.now()
            state.withLock { state in
                guard var entry = state.addresses.peek(address) else { return }
                entry.bucket.giveBack(now: now)
                state.addresses.set(address, entry)
            }
        case (.unreserved, false), (.refused, _): break
        }
    }

    /// nil while `address` may still try; otherwise the seconds until it may try once more.
    public func retryAfter(_ address: String) -> Double? {
        guard tracked.load(ordering: .relaxed) > 0 else { return nil }
        let now = clock.now()
        return state.withLock { state in
            guard let entry = state.addresses.peek(address) else { return nil }
            let wait = entry.bucket.secondsUntilOne(now: now)
            return wait > 0 ? wait : nil
        }
    }

    /// Charges one failed authentication to `address`. When this failure empties its bucket, a
    /// warning names the address (rate-limited).
    public func charge(_ address: String, reason: String) {
        charge(address, reason: reason, taken: false)
    }

    /// `taken`: the failure's token was already taken by ``admit(_:)``.
    private func charge(_ address: String, reason: String, taken: Bool) {
        let now = clock.now()
        let capacity = Double(failuresPerMinute)
        let warning: (suppressed: Int, remaining: Double)? = state.withLock { state in
            var entry =
                state.addresses.get(address) ?? Entry(bucket: TokenBucket(capacity: capacity, perSecond: capacity / 60, now: now))
            if !taken { entry.bucket.charge(now: now) }
            var warn: (Int, Double)?
            if entry.bucket.secondsUntilOne(now: now) > 0, now - entry.warned >= Self.warningInterval {
                if state.warnings.take(now: now) {
                    entry.warned = now
                    warn = (state.suppressedWarnings, entry.bucket.secondsUntilOne(now: now))
                    state.suppressedWarnings = 0
                } else {
                    state.suppressedWarnings += 1
                }
            }
            state.addresses.set(address, entry)
            tracked.store(state.addresses.count, ordering: .relaxed)
            return warn
        }
        if let warning {
            logger.warning(
                "client address over its budget of failed authentications; its uncached tokens get 429 without introspection",
                metadata: [
                    "client.address": "\(address)", "limit_per_minute": "\(failuresPerMinute)", "last_reason": "\(reason)",
                    "retry_after_s": "\(Int(warning.remaining.rounded(.up)))",
                    "warnings_suppressed": "\(warning.suppressed)",
                ])
        }
    }

    /// Addresses currently over budget (for the gauge; computed at scrape time).
    public func addressesOverBudget() -> Int {
        let now = clock.now()
        return state.withLock { state in state.addresses.count { $0.bucket.secondsUntilOne(now: now) > 0 } }
    }

    /// Addresses tracked now.
    public var trackedAddresses: Int { tracked.load(ordering: .relaxed) }

    /// Forgets addresses whose bucket is full again; returns how many.
    @discardableResult
    public func sweep() -> Int {
        let now = clock.now()
        return state.withLock { state in
            let removed = state.addresses.removeAll { $0.bucket.isFull(now: now) }
            tracked.store(state.addresses.count, ordering: .relaxed)
            return removed
        }
    }
}
