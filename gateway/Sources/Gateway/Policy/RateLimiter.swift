import ServiceSupport
import HTTPTypes
import Hummingbird
import Synchronization
import TokenProtocol

/// Per-token limits on requests per minute and tokens per minute, as token buckets that refill
/// continuously (capacity = the limit, refill = limit / 60 per second). O(1) per request under a
/// short lock; a bucket that has refilled completely holds no information and is dropped by the
/// periodic sweep, so memory is bounded by the tokens active in the last minute.
public final class RateLimiter: Sendable {
    public struct Limits: Sendable, Equatable {
        /// 0 means unlimited.
        public var requestsPerMinute: Int
        public var tokensPerMinute: Int

        public init(requestsPerMinute: Int, tokensPerMinute: Int) {
            self.requestsPerMinute = requestsPerMinute
            self.tokensPerMinute = tokensPerMinute
        }
    }

    /// The outcome of one admission check, with what the `x-ratelimit-*` headers report.
    public struct Decision: Sendable, Equatable {
        public var allowed: Bool
        public var limits: Limits
        public var remainingRequests: Int
        public var remainingTokens: Int
        /// Seconds until the request bucket (token bucket) is full again.
        public var resetRequests: Double
        public var resetTokens: Double
        /// Seconds until the refused request could succeed (only when refused).
        public var retryAfter: Double
        /// Which limit refused it: "requests" or "tokens".
        public var exceeded: String?
    }

    struct Bucket {
        var level: Double
        var updated: Double

        mutating func refill(capacity: Double, now: Double) {
            level = min(capacity, level + (now - updated) * capacity / 60)
            updated = now
        }
    }

    struct Buckets {
        var requests: Bucket?
        var tokens: Bucket?
    }

    let clock: any WallClock
    private let state = Mutex<(buckets: [String: Buckets], operations: Int)>(([:], 0))
    static let sweepEvery = 4096

    public init(clock: any WallClock = SystemWallClock()) {
        self.clock = clock
    }

    /// Admits one request for `key` (the token's jti) or refuses it. A refused request uses nothing.
    public func acquire(_ key: String, limits: Limits) -> Decision {
        let now = clock.now()
        return state.withLock { state in
            state.operations += 1
            if state.operations % Self.sweepEvery == 0 { Self.sweep(&state.buckets, now: now, limits: limits) }
            var buckets = state.buckets[key] ?? Buckets()
            let rpm = Double(limits.requestsPerMinute)
            let tpm = Double(limits.tokensPerMinute)
            if rpm > 0 {
                if buckets.requests == nil { buckets.requests = Bucket(level: rpm, updated: now) }
                buckets.requests!.refill(capacity: rpm, now: now)
            }
            if tpm > 0 {
                if buckets.tokens == nil { buckets.tokens = Bucket(level: tpm, updated: now) }
                buckets.tokens!.refill(capacity: tpm, now: now)
            }
            var decision = Decision(
                allowed: true, limits: limits, remainingRequests: 0, remainingTokens: 0, resetRequests: 0,
                resetTokens: 0, retryAfter: 0, exceeded: nil)
            if rpm > 0, buckets.requests!.level < 1 {
                decision.allowed = false
                decision.exceeded = "requests"
                decision.retryAfter = (1 - buckets.requests!.level) * 60 / rpm
            } else if tpm > 0, buckets.tokens!.level < 1 {
                decision.allowed = false
                decision.exceeded = "tokens"
                decision.retryAfter = (1 - buckets.tokens!.level) * 60 / tpm
            } else if rpm > 0 {
                buckets.requests!.level -= 1
            }
            if let requests = buckets.requests {
                decision.remainingRequests = max(0, Int(requests.level.rounded(.down)))
                decision.resetRequests = (rpm - requests.level) * 60 / rpm
            }
            if let tokens = buckets.tokens {
                decision.remainingTokens = max(0, Int(tokens.level.rounded(.down)))
                decision.resetTokens = (tpm - tokens.level) * 60 / tpm
            }
            state.buckets[key] = buckets
            return decision
        }
    }

    /// Charges `count` model tokens (from the answer's usage) to `key`'s tokens-per-minute bucket.
    public func charge(_ key: String, tokens count: Int, limits: Limits) {
        guard limits.tokensPerMinute > 0, count > 0 else { return }
        let now = clock.now()
        let tpm = Double(limits.tokensPerMinute)
        state.withLock { state in
            var buckets = state.buckets[key] ?? Buckets()
            if buckets.tokens == nil { buckets.tokens = Bucket(level: tpm, updated: now) }
            buckets.tokens!.refill(capacity: tpm, now: now)
            buckets.tokens!.level -= Double(count)
            state.buckets[key] = buckets
        }
    }

    /// Buckets currently held (for tests and metrics).
    public var bucketCount: Int { state.withLock { $0.buckets.count } }

    /// Drops buckets that have refilled completely: they are indistinguishable from new ones.
    public func sweep(limits: Limits) {
        let now = clock.now()
        state.withLock { Self.sweep(&$0.buckets, now: now, limits: limits) }
    }

    private static func sweep(_ buckets: inout [String: Buckets], now: Double, limits: Limits) {
        // A bucket untouched for a minute has refilled whatever its capacity was.
        buckets = buckets.filter { _, value in
            let last = max(value.requests?.updated ?? 0, value.tokens?.updated ?? 0)
            return now - last < 60
        }
    }
}

extension RateLimiter.Decision {
    /// OpenAI's headers: `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` for the limits in force.
    func apply(to headers: inout HTTPFields) {
        if limits.requestsPerMinute > 0 {
            headers[.rateLimitLimitRequests] = String(limits.requestsPerMinute)
            headers[.rateLimitRemainingRequests] = String(remainingRequests)
            headers[.rateLimitResetRequests] = Self.format(resetRequests)
        }
        if limits.tokensPerMinute > 0 {
            headers[.rateLimitLimitTokens] = String(limits.tokensPerMinute)
            headers[.rateLimitRemainingTokens] = String(remainingTokens)
            headers[.rateLimitResetTokens] = Self.format(resetTokens)
        }
    }

    /// OpenAI's duration style: "6ms", "1.5s", "1m0s".
    static func format(_ seconds: Double) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded(.up)))ms" }
        if seconds < 60 {
            let rounded = (seconds * 1000).rounded(.up) / 1000
            return rounded == rounded.rounded() ? "\(Int(rounded))s" : "\(rounded)s"
        }
        return "\(Int(seconds) / 60)m\(Int(seconds) % 60)s"
    }
}

extension HTTPField.Name {
    static let rateLimitLimitRequests = Self("x-ratelimit-limit-requests")!
    static let rateLimitRemainingRequests = Self("x-ratelimit-remaining-requests")!
    static let rateLimitResetRequests = Self("x-ratelimit-reset-requests")!
    static let rateLimitLimitTokens = Self("x-ratelimit-limit-tokens")!
    static let rateLimitRemainingTokens = Self("x-ratelimit-remaining-tokens")!
    static let rateLimitResetTokens = Self("x-ratelimit-reset-tokens")!
    static let requestID = Self("x-request-id")!
}
