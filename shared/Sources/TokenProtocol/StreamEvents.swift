/// The data of an `event: updated` on the event stream (``RevocationStream/updated``).
public struct TokenUpdatedEvent: Codable, Sendable, Equatable {
    public var jti: String
    public var tokenDigest: String
    /// Seconds since the Unix epoch, with fractions, when the runtime changed the token.
    public var updatedAt: Double

    public init(jti: String, tokenDigest: String, updatedAt: Double) {
        self.jti = jti
        self.tokenDigest = tokenDigest
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case jti
        case tokenDigest = "token_digest"
        case updatedAt = "updated_at"
    }
}

/// The data of an `event: recall` (``RevocationStream/recall``): every gateway holding a lease of
/// this token's quota hands back what it does not need for requests already admitted.
public struct QuotaRecallEvent: Codable, Sendable, Equatable {
    public var jti: String

    public init(jti: String) { self.jti = jti }
}

/// The data of an `event: budget` (``RevocationStream/budget``), also the JSON POSTed to
/// `TOKEN_RUNTIME_ALERT_WEBHOOK_URL`: a token's spend in its current period crossed a threshold.
public struct BudgetAlertEvent: Codable, Sendable, Equatable {
    public var jti: String
    public var subject: String
    /// 50, 80 or 100.
    public var thresholdPercent: Int
    public var spentNanoUSD: NanoUSD
    public var maxBudgetNanoUSD: NanoUSD
    public var budgetPeriod: BudgetPeriod
    public var periodStart: Int64
    public var periodEnd: Int64?
    /// Seconds since the Unix epoch when the runtime saw the crossing.
    public var time: Int64

    public init(
        jti: String, subject: String, thresholdPercent: Int, spentNanoUSD: NanoUSD, maxBudgetNanoUSD: NanoUSD,
        budgetPeriod: BudgetPeriod, periodStart: Int64, periodEnd: Int64?, time: Int64
    ) {
        self.jti = jti
        self.subject = subject
        self.thresholdPercent = thresholdPercent
        self.spentNanoUSD = spentNanoUSD
        self.maxBudgetNanoUSD = maxBudgetNanoUSD
        self.budgetPeriod = budgetPeriod
        self.periodStart = periodStart
        self.periodEnd = periodEnd
        self.time = time
    }

    enum CodingKeys: String, CodingKey {
        case jti, subject, time
        case thresholdPercent = "threshold_percent"
        case spentNanoUSD = "spent_nano_usd"
        case maxBudgetNanoUSD = "max_budget_nano_usd"
        case budgetPeriod = "budget_period"
        case periodStart = "period_start"
        case periodEnd = "period_end"
    }

    /// The thresholds that alert, in percent of the budget.
    public static let thresholds = [50, 80, 100]

    /// The thresholds crossed when spend went from `before` to `after` (`before` below, `after` at
    /// or above), by exact integer arithmetic.
    public static func crossed(before: NanoUSD, after: NanoUSD, budget: NanoUSD) -> [Int] {
        thresholds.filter { percent in
            let mark = Int128(budget.value) * Int128(percent)
            return Int128(before.value) * 100 < mark && Int128(after.value) * 100 >= mark
        }
    }
}
