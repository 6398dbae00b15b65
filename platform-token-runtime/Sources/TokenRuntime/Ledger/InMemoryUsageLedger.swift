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

    public init() {}

    public func record(_ records: [UsageRecord]) async throws -> UsageReportReceipt {
        state.withLock { state in
            var accepted = 0
            for record in records where state.seen.insert(record.id).inserted {
                let key = RollupKey(
                    tokenID: record.tokenID, subject: record.subject, model: record.model, hour: UsageHour.start(of: record.time))
                state.rollups[key, default: UsageTotals()].add(record)
                accepted += 1
            }
            return UsageReportReceipt(accepted: accepted, duplicates: records.count - accepted)
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
