import TokenProtocol

/// What one quota call is decided against: the token's limits (from its policy), the lease TTL
/// and the time of the call, with the current budget period and requests window worked out once.
public struct QuotaTerms: Sendable, Equatable {
    /// The token's budget; nil: none (money is neither leased nor refused).
    public var budget: NanoUSD?
    public var period: BudgetPeriod
    /// Requests per minute; nil: unlimited.
    public var rateLimitRPM: Int?
    /// Seconds a money lease lives after the holder's last call.
    public var leaseTTL: Double
    /// The runtime's clock at the call (Unix seconds).
    public var now: Double

    public init(budget: NanoUSD?, period: BudgetPeriod, rateLimitRPM: Int?, leaseTTL: Double, now: Double) {
        self.budget = budget
        self.period = period
        self.rateLimitRPM = rateLimitRPM.flatMap { $0 > 0 ? $0 : nil }
        self.leaseTTL = leaseTTL
        self.now = now
    }

    /// The terms of a token's policy: `max_budget_usd`, `budget_period` (absent: `total`) and a
    /// positive `rate_limit_rpm` (0 or absent: unlimited here; the gateway's default applies there).
    public init(policy: TokenPolicy, leaseTTL: Double, now: Double) {
        self.init(
            budget: policy.maxBudget, period: policy.budgetPeriod ?? .total, rateLimitRPM: policy.rateLimitRPM, leaseTTL: leaseTTL,
            now: now)
    }

    /// Whole seconds of `now`, rounded down.
    public var second: Int64 { Int64((now).rounded(.down)) }

    /// The budget period containing `now`: its first second and the first of the next (nil: `total`).
    public var periodWindow: (start: Int64, end: Int64?) { period.window(containing: second) }

    /// The UTC minute containing `now`.
    public var windowStart: Int64 { second - ((second % 60) + 60) % 60 }

    /// Seconds from `now` until the current minute ends.
    public var windowEndsIn: Double { Double(windowStart + 60) - now }

    /// When a lease extended by this call lapses.
    public var leaseExpiry: Double { now + leaseTTL }
}
