import TokenProtocol

/// What one call does to one token's quota: the arithmetic both stores share, done on a
/// ``QuotaBook`` read under the token's lock. Exact integers throughout.
///
/// Releases first (the holder's money lease floored at 0; its requests of the current minute when
/// `release_window_start` is that minute), then money, then requests, each all or nothing: when
/// what is available covers `need`, the grant is `min(want, max(need, available / 4))`, else 0.
public struct QuotaDecision: Sendable, Equatable {
    /// Money released from the holder's lease and granted to it by this call.
    public var releasedNanoUSD: Int64
    public var grantedNanoUSD: Int64
    /// Requests released and granted (in the current minute).
    public var releasedRequests: Int
    public var grantedRequests: Int
    /// The holder's lease and requests after the call.
    public var holderLease: Int64
    public var holderRequests: Int
    /// The need could not be met.
    public var moneyShort: Bool
    public var requestsShort: Bool
    /// Other holders hold money of the current period, or requests of the current minute (a
    /// recall could free them).
    public var othersHoldMoney: Bool
    public var othersHoldRequests: Bool
    /// The answer.
    public var grant: QuotaLeaseGrant

    /// Whether a recall of the other holders could help: a need is unmet and others hold that kind.
    public var recallCouldHelp: Bool { (moneyShort && othersHoldMoney) || (requestsShort && othersHoldRequests) }

    public init(request: QuotaLeaseRequest, terms: QuotaTerms, book: QuotaBook) {
        let window = terms.periodWindow
        var grant = QuotaLeaseGrant(leaseTTLSeconds: terms.leaseTTL, windowStart: terms.windowStart, windowEndsIn: terms.windowEndsIn)

        // Money.
        releasedNanoUSD = 0
        grantedNanoUSD = 0
        holderLease = 0
        moneyShort = false
        othersHoldMoney = false
        if let budget = terms.budget {
            releasedNanoUSD = min(max(request.releaseNanoUSD, 0), book.holderLease)
            let lease = book.holderLease - releasedNanoUSD
            let available = Self.remaining(budget.value, book.spent, book.othersLeased, lease)
            if request.needNanoUSD > 0 {
                if available >= request.needNanoUSD {
                    grantedNanoUSD = min(request.wantNanoUSD, max(request.needNanoUSD, available / 4))
                } else {
                    moneyShort = true
                }
            }
            holderLease = lease + grantedNanoUSD
            othersHoldMoney = book.othersLeased > 0
            let leased = book.othersLeased + holderLease
            grant.grantedNanoUSD = grantedNanoUSD
            grant.leaseNanoUSD = holderLease
            grant.maxBudgetNanoUSD = budget.value
            grant.budgetPeriod = terms.period
            grant.periodStart = window.start
            grant.periodEnd = window.end
            grant.spentNanoUSD = book.spent
            grant.leasedNanoUSD = leased
            grant.availableNanoUSD = Self.remaining(budget.value, book.spent, leased)
        }

        // Requests of the current minute.
        releasedRequests = 0
        grantedRequests = 0
        holderRequests = 0
        requestsShort = false
        othersHoldRequests = false
        if let rpm = terms.rateLimitRPM {
            if request.releaseWindowStart == terms.windowStart {
                releasedRequests = min(max(request.releaseRequests, 0), book.holderRequests)
            }
            let held = book.holderRequests - releasedRequests
            let available = max(rpm - book.othersRequests - held, 0)
            if request.needRequests > 0 {
                if available >= request.needRequests {
                    grantedRequests = min(request.wantRequests, max(request.needRequests, available / 4))
                } else {
                    requestsShort = true
                }
            }
            holderRequests = held + grantedRequests
            othersHoldRequests = book.othersRequests > 0
            grant.rateLimitRPM = rpm
            grant.requestsAvailable = max(rpm - book.othersRequests - holderRequests, 0)
        } else {
            grantedRequests = max(request.wantRequests, 0)
        }
        grant.grantedRequests = grantedRequests
        self.grant = grant
    }

    /// `budget` less the amounts, floored at 0 (in 128 bits: no sum can overflow).
    static func remaining(_ budget: Int64, _ amounts: Int64...) -> Int64 {
        Int64(clamping: max(amounts.reduce(Int128(budget)) { $0 - Int128($1) }, 0))
    }
}
