/// One token's quota as a store reads it under that token's lock, from one holder's point of
/// view: settled spend of the current period, the live leases, and the requests granted in the
/// current minute. Leases that lapsed or belong to an earlier period, and requests of an earlier
/// minute, are already left out (they count for nothing).
public struct QuotaBook: Sendable, Equatable {
    /// Settled spend of the current period (the ledger's rollups).
    public var spent: Int64
    /// Unexpired leases of the current period of every other holder.
    public var othersLeased: Int64
    /// The calling holder's live lease (0 when it lapsed, belongs to an earlier period or never was).
    public var holderLease: Int64
    /// Requests of the current minute granted to every other holder.
    public var othersRequests: Int
    /// Requests of the current minute granted to the calling holder.
    public var holderRequests: Int

    public init(spent: Int64 = 0, othersLeased: Int64 = 0, holderLease: Int64 = 0, othersRequests: Int = 0, holderRequests: Int = 0) {
        self.spent = spent
        self.othersLeased = othersLeased
        self.holderLease = holderLease
        self.othersRequests = othersRequests
        self.holderRequests = holderRequests
    }
}
