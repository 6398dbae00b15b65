import TokenProtocol

/// Where the quota authority keeps leases, the requests granted per minute and the budget alerts
/// already sent; settled spend is the usage ledger's.
///
/// Guarantees of every implementation:
/// - **One call at a time per token.** ``apply(_:terms:)`` reads the token's ``QuotaBook`` and
///   writes the holder's lease and requests as one step that no other call for that token (on any
///   replica sharing the store) interleaves with, so two holders can never be granted the same
///   money or requests.
/// - **Settlement moves, never doubles.** A usage record with a lease holder, recorded as new by the
///   ledger, adds its cost to the spend no later than it leaves the holder's lease.
public protocol QuotaStore: Sendable {
    /// Applies one call (releases, then grants) for `request.holder`, extends that holder's lease to
    /// `terms.leaseExpiry`, and returns what was decided.
    func apply(_ request: QuotaLeaseRequest, terms: QuotaTerms) async throws -> QuotaDecision

    /// Settled spend of the token in the period `[start, end)`; end nil (`total`): every hour.
    func spent(tokenID: String, from start: Int64, to end: Int64?) async throws -> NanoUSD

    /// Marks a budget alert as sent; true only for the first caller of that token, period start
    /// and threshold (on any replica).
    func markAlert(tokenID: String, periodStart: Int64, thresholdPercent: Int) async throws -> Bool

    /// Forgets leases that lapsed before `time` and requests of minutes that ended before it
    /// (holders are gateway processes, new at each start); returns how many entries went. Nothing
    /// forgotten counted any more.
    @discardableResult
    func sweep(before time: Double) async throws -> Int
}

/// The quota store could not answer (its database is unreachable or failed): 503 at the HTTP edge.
public enum QuotaStoreError: Error, Sendable, Equatable {
    case unavailable(String)
}
