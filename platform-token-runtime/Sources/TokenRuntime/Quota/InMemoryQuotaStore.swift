import Synchronization
import TokenProtocol

/// The quota store of a process without a database (dev and tests): leases, requests per minute
/// and alert marks in memory, spend read from the ``InMemoryUsageLedger`` it settles.
///
/// One lock serializes every call (which is per-token serialization and more). Settlement: the
/// ledger tells this store of each new record after adding it to the rollups, and the record's cost
/// then leaves its holder's lease, so a call in between counts the cost twice (conservative), never
/// not at all. Spend is read under this lock; the ledger never holds its lock while taking this one.
public final class InMemoryQuotaStore: QuotaStore {
    struct Lease {
        var amount: Int64
        var periodStart: Int64
        var expiresAt: Double
    }

    struct Requests {
        var windowStart: Int64
        var granted: Int
    }

    struct AlertMark: Hashable {
        var tokenID: String
        var periodStart: Int64
        var thresholdPercent: Int
    }

    struct State {
        /// Per token, per holder.
        var leases: [String: [String: Lease]] = [:]
        var requests: [String: [String: Requests]] = [:]
        var alerts: Set<AlertMark> = []
    }

    private let state = Mutex(State())
    let ledger: InMemoryUsageLedger

    /// Settles `ledger`'s new records into this store from now on (a ledger settles into one store).
    public init(ledger: InMemoryUsageLedger) {
        self.ledger = ledger
        ledger.onNewRecords { [weak self] records in self?.settle(records) }
    }

    public func apply(_ request: QuotaLeaseRequest, terms: QuotaTerms) async throws -> QuotaDecision {
        let period = terms.periodWindow
        let window = terms.windowStart
        return state.withLock { state in
            var book = QuotaBook()
            if terms.budget != nil {
                book.spent = ledger.spend(tokenID: request.tokenID, from: Self.firstHour(period), to: period.end)
                for (holder, lease) in state.leases[request.tokenID, default: [:]]
                where lease.periodStart == period.start && lease.expiresAt > terms.now {
                    if holder == request.holder { book.holderLease = lease.amount } else { book.othersLeased += lease.amount }
                }
            }
            if terms.rateLimitRPM != nil {
                for (holder, granted) in state.requests[request.tokenID, default: [:]] where granted.windowStart == window {
                    if holder == request.holder { book.holderRequests = granted.granted } else { book.othersRequests += granted.granted }
                }
            }
            let decision = QuotaDecision(request: request, terms: terms, book: book)
            if terms.budget != nil {
                state.leases[request.tokenID, default: [:]][request.holder] = Lease(
                    amount: decision.holderLease, periodStart: period.start, expiresAt: terms.leaseExpiry)
            }
            if terms.rateLimitRPM != nil {
                state.requests[request.tokenID, default: [:]][request.holder] = Requests(
                    windowStart: window, granted: decision.holderRequests)
            }
            return decision
        }
    }

    public func spent(tokenID: String, from start: Int64, to end: Int64?) async throws -> NanoUSD {
        NanoUSD(ledger.spend(tokenID: tokenID, from: Self.firstHour((start, end)), to: end))
    }

    public func markAlert(tokenID: String, periodStart: Int64, thresholdPercent: Int) async throws -> Bool {
        state.withLock {
            $0.alerts.insert(AlertMark(tokenID: tokenID, periodStart: periodStart, thresholdPercent: thresholdPercent)).inserted
        }
    }

    @discardableResult
    public func sweep(before time: Double) async throws -> Int {
        state.withLock { state in
            var removed = 0
            for tokenID in Array(state.leases.keys) {
                let before = state.leases[tokenID]?.count ?? 0
                state.leases[tokenID] = state.leases[tokenID]?.filter { $0.value.expiresAt >= time }
                removed += before - (state.leases[tokenID]?.count ?? 0)
                if state.leases[tokenID]?.isEmpty == true { state.leases[tokenID] = nil }
            }
            for tokenID in Array(state.requests.keys) {
                let before = state.requests[tokenID]?.count ?? 0
                state.requests[tokenID] = state.requests[tokenID]?.filter { Double($0.value.windowStart + 60) >= time }
                removed += before - (state.requests[tokenID]?.count ?? 0)
                if state.requests[tokenID]?.isEmpty == true { state.requests[tokenID] = nil }
            }
            return removed
        }
    }

    /// Moves each record's cost out of its holder's lease (floored at 0), when the record belongs
    /// to the lease's period or a later one (a late record of an earlier period is that period's spend).
    func settle(_ records: [UsageRecord]) {
        state.withLock { state in
            for record in records {
                guard let holder = record.leaseHolder, var lease = state.leases[record.tokenID]?[holder],
                    UsageHour.start(of: record.time) >= lease.periodStart
                else { continue }
                lease.amount = max(lease.amount - record.costNanoUSD.value, 0)
                state.leases[record.tokenID]?[holder] = lease
            }
        }
    }

    /// The first hour a period counts: its start, or every hour for `total` (no end).
    static func firstHour(_ period: (start: Int64, end: Int64?)) -> Int64 { period.end == nil ? .min : period.start }
}
