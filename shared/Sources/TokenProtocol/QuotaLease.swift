/// A gateway's call to platform-token-runtime's quota authority (`POST` ``QuotaPath/lease``,
/// introspection secret): hand back what it does not need, take a slice of what remains, and
/// extend its lease. One call serves a token's budget (money) and its requests-per-minute window.
///
/// Grants are all or nothing up to `need` and at most `want`: the runtime grants 0 when what
/// remains cannot cover `need` (after recalling other holders' unused leases), otherwise between
/// `need` and `want`. The sum of all holders' leases and all settled spend never exceeds the budget;
/// the sum of all requests granted in a minute never exceeds the token's `rate_limit_rpm`.
///
/// Money leased is spent by the holder on its own; what a request really cost reaches the
/// runtime as that request's ``UsageRecord`` (with ``UsageRecord/leaseHolder`` set), which moves
/// the amount from the holder's lease to the period's spend, once (the ledger is idempotent).
public struct QuotaLeaseRequest: Codable, Sendable, Equatable {
    /// The token's `jti`.
    public var tokenID: String
    /// The gateway process holding the lease (random per process start).
    public var holder: String
    /// Money: the least that is useful (the worst-case cost of the requests waiting) and the most
    /// wanted (that plus a prefetch). 0 and 0: none wanted.
    public var needNanoUSD: Int64
    public var wantNanoUSD: Int64
    /// Unused money of the holder's lease handed back before anything is granted.
    public var releaseNanoUSD: Int64
    /// Requests of the current minute: least useful, most wanted.
    public var needRequests: Int
    public var wantRequests: Int
    /// Unused requests handed back, of the window starting at `releaseWindowStart` (ignored when
    /// that window is over).
    public var releaseRequests: Int
    public var releaseWindowStart: Int64?

    public init(
        tokenID: String, holder: String, needNanoUSD: Int64 = 0, wantNanoUSD: Int64 = 0, releaseNanoUSD: Int64 = 0,
        needRequests: Int = 0, wantRequests: Int = 0, releaseRequests: Int = 0, releaseWindowStart: Int64? = nil
    ) {
        self.tokenID = tokenID
        self.holder = holder
        self.needNanoUSD = needNanoUSD
        self.wantNanoUSD = wantNanoUSD
        self.releaseNanoUSD = releaseNanoUSD
        self.needRequests = needRequests
        self.wantRequests = wantRequests
        self.releaseRequests = releaseRequests
        self.releaseWindowStart = releaseWindowStart
    }

    enum CodingKeys: String, CodingKey {
        case tokenID = "token_id"
        case holder
        case needNanoUSD = "need_nano_usd"
        case wantNanoUSD = "want_nano_usd"
        case releaseNanoUSD = "release_nano_usd"
        case needRequests = "need_requests"
        case wantRequests = "want_requests"
        case releaseRequests = "release_requests"
        case releaseWindowStart = "release_window_start"
    }
}

/// The runtime's answer to a ``QuotaLeaseRequest``.
public struct QuotaLeaseGrant: Codable, Sendable, Equatable {
    /// Money granted by this call (0, or between need and want).
    public var grantedNanoUSD: Int64
    /// The holder's whole lease after this call, as the runtime counts it.
    public var leaseNanoUSD: Int64
    /// The token's budget; nil when it has none (then the money fields below are 0 or nil).
    public var maxBudgetNanoUSD: Int64?
    public var budgetPeriod: BudgetPeriod?
    /// The current period: its first second and the first second of the next (nil: `total`).
    public var periodStart: Int64?
    public var periodEnd: Int64?
    /// Settled spend of the current period.
    public var spentNanoUSD: Int64
    /// All holders' leases together, this one's included.
    public var leasedNanoUSD: Int64
    /// What is neither spent nor leased: budget - spent - leased (0 without a budget).
    public var availableNanoUSD: Int64
    /// The holder's money lease lapses this many seconds after the answer unless another call
    /// extends it; a lapsed lease returns to the budget.
    public var leaseTTLSeconds: Double

    /// Requests granted by this call for the current minute.
    public var grantedRequests: Int
    /// The token's requests-per-minute limit; nil when it has none.
    public var rateLimitRPM: Int?
    /// Requests of the current minute not yet granted to anyone.
    public var requestsAvailable: Int
    /// The current minute (the window the granted requests belong to), by the runtime's clock.
    public var windowStart: Int64
    /// Seconds from the answer until that window ends (immune to clock skew between hosts).
    public var windowEndsIn: Double

    public init(
        grantedNanoUSD: Int64 = 0, leaseNanoUSD: Int64 = 0, maxBudgetNanoUSD: Int64? = nil, budgetPeriod: BudgetPeriod? = nil,
        periodStart: Int64? = nil, periodEnd: Int64? = nil, spentNanoUSD: Int64 = 0, leasedNanoUSD: Int64 = 0,
        availableNanoUSD: Int64 = 0, leaseTTLSeconds: Double, grantedRequests: Int = 0, rateLimitRPM: Int? = nil,
        requestsAvailable: Int = 0, windowStart: Int64, windowEndsIn: Double
    ) {
        self.grantedNanoUSD = grantedNanoUSD
        self.leaseNanoUSD = leaseNanoUSD
        self.maxBudgetNanoUSD = maxBudgetNanoUSD
        self.budgetPeriod = budgetPeriod
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.spentNanoUSD = spentNanoUSD
        self.leasedNanoUSD = leasedNanoUSD
        self.availableNanoUSD = availableNanoUSD
        self.leaseTTLSeconds = leaseTTLSeconds
        self.grantedRequests = grantedRequests
        self.rateLimitRPM = rateLimitRPM
        self.requestsAvailable = requestsAvailable
        self.windowStart = windowStart
        self.windowEndsIn = windowEndsIn
    }

    enum CodingKeys: String, CodingKey {
        case grantedNanoUSD = "granted_nano_usd"
        case leaseNanoUSD = "lease_nano_usd"
        case maxBudgetNanoUSD = "max_budget_nano_usd"
        case budgetPeriod = "budget_period"
        case periodStart = "period_start"
        case periodEnd = "period_end"
        case spentNanoUSD = "spent_nano_usd"
        case leasedNanoUSD = "leased_nano_usd"
        case availableNanoUSD = "available_nano_usd"
        case leaseTTLSeconds = "lease_ttl_seconds"
        case grantedRequests = "granted_requests"
        case rateLimitRPM = "rate_limit_rpm"
        case requestsAvailable = "requests_available"
        case windowStart = "window_start"
        case windowEndsIn = "window_ends_in"
    }
}
