import Synchronization
import TokenProtocol

/// The ledger of a process without a database (dev and tests): the same hourly rollups as
/// ``PostgresUsageLedger``, and the set of record ids seen, in memory. Every id is kept for the
/// life of the process, which is what makes retries safe; a long-running dev runtime grows by
/// one id per request.
public final class InMemoryUsageLedger: UsageLedger {
    struct RollupKey: Hashable {
        var tokenID: String
        var subject: String
        var model: String
        var hour: Int64
    }

    /// The keys of one row of a query's answer (nil: not grouped by).
    struct GroupKey: Hashable {
        var tokenID: String?
        var subject: String?
        var model: String?
        var day: String?
    }

    struct State {
        var seen: Set<String> = []
        var rollups: [RollupKey: UsageTotals] = [:]
    }

    private let state = Mutex(State())
    /// Told of the records each call found new, after they count in the rollups: the in-memory
    /// quota store's settlement (``InMemoryQuotaStore``).
    private let settlement = Mutex<(@Sendable ([UsageRecord]) -> Void)?>(nil)

    public init() {}

    public func record(_ records: [UsageRecord]) async throws -> UsageReportReceipt {
        let new = state.withLock { state in
            var new: [UsageRecord] = []
            for record in records where state.seen.insert(record.id).inserted {
                let key = RollupKey(
                    tokenID: record.tokenID, subject: record.subject, model: record.model, hour: UsageHour.start(of: record.time))
                state.rollups[key, default: UsageTotals()].add(record)
                new.append(record)
            }
            return new
        }
        // Spend first, then the lease: a grant in between sees the cost twice, never not at all.
        if !new.isEmpty, let settle = settlement.withLock({ $0 }) { settle(new) }
        return UsageReportReceipt(accepted: new.count, duplicates: records.count - new.count)
    }

    /// Sets what is told of each call's new records (after they are added); one at a time.
    func onNewRecords(_ settle: @escaping @Sendable ([UsageRecord]) -> Void) {
        settlement.withLock { $0 = settle }
    }

    /// The token's spend in the hours `[from, to)` (`to` nil: no end), read at once (the quota store
    /// calls this under its own lock; this lock is never held while taking that one).
    func spend(tokenID: String, from: Int64, to: Int64?) -> Int64 {
        state.withLock { state in
            var total: Int64 = 0
            for (key, totals) in state.rollups where key.tokenID == tokenID && key.hour >= from && (to.map { key.hour < $0 } ?? true) {
                total += totals.spendNanoUSD.value
            }
            return total
        }
    }

    public func query(_ filter: UsageFilter, groupBy grouping: UsageGrouping) async throws -> [UsageTotals] {
        let selected = state.withLock { state in
            state.rollups.filter { filter.selects(tokenID: $0.key.tokenID, subject: $0.key.subject, hour: $0.key.hour) }
        }
        var groups: [GroupKey: UsageTotals] = [:]
        for (key, totals) in selected {
            let group = GroupKey(
                tokenID: grouping.contains(.token) ? key.tokenID : nil,
                subject: grouping.contains(.subject) ? key.subject : nil,
                model: grouping.contains(.model) ? key.model : nil,
                day: grouping.contains(.day) ? UsageHour.day(of: key.hour) : nil)
            groups[group, default: UsageTotals(tokenID: group.tokenID, subject: group.subject, model: group.model, day: group.day)]
                .add(totals)
        }
        if grouping.isEmpty { return [groups.values.first ?? UsageTotals()] }
        return groups.values.sorted(by: UsageTotals.groupOrder)
    }
}

extension UsageTotals {
    /// By token, subject, model, then day; text in byte order (PostgreSQL's `COLLATE "C"`).
    static func groupOrder(_ left: UsageTotals, _ right: UsageTotals) -> Bool {
        for (a, b) in [(left.tokenID, right.tokenID), (left.subject, right.subject), (left.model, right.model), (left.day, right.day)] {
            let a = a ?? ""
            let b = b ?? ""
            if !a.utf8.elementsEqual(b.utf8) { return a.utf8.lexicographicallyPrecedes(b.utf8) }
        }
        return false
    }
}
