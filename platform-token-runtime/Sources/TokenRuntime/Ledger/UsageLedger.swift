import Foundation
import TokenProtocol

/// Where the usage gateways report is kept: per-request records deduplicated by id, summed into
/// hourly rollups per token, subject and model.
///
/// Guarantees of every implementation:
/// - **Idempotent by record id.** A record whose id the ledger has seen before (in an earlier
///   batch, or earlier in the same batch) is counted as a duplicate and adds nothing, so a gateway
///   may send a batch again whenever it lost the answer.
/// - **Exact.** Amounts are whole nano-dollars and token counts whole numbers; nothing passes
///   through floating point.
/// - **Hourly resolution.** A record counts in the UTC hour its `time` falls in; queries select
///   whole hours (``UsageFilter``).
public protocol UsageLedger: Sendable {
    /// Records a batch; returns how many records were new and how many were already known.
    func record(_ records: [UsageRecord]) async throws -> UsageReportReceipt
    /// Totals of the matching hours, one row per group of `groupBy` (one row for an empty
    /// grouping, zeros when nothing matches), ordered by the group keys (token, subject, model,
    /// day; text in byte order).
    func query(_ filter: UsageFilter, groupBy: UsageGrouping) async throws -> [UsageTotals]
    /// The `limit` groups of ``query(_:groupBy:)`` with the largest spend, largest first (equal
    /// spend in group order): the console's top subjects and tokens.
    func largest(_ filter: UsageFilter, groupBy: UsageGrouping, limit: Int) async throws -> [UsageTotals]
}

extension UsageLedger {
    /// Every group, sorted here: fine for a ledger in memory; a database ledger sorts and limits in SQL.
    public func largest(_ filter: UsageFilter, groupBy grouping: UsageGrouping, limit: Int) async throws -> [UsageTotals] {
        let rows = try await query(filter, groupBy: grouping)
        let ranked = rows.enumerated().sorted { left, right in
            left.element.spendNanoUSD != right.element.spendNanoUSD
                ? left.element.spendNanoUSD > right.element.spendNanoUSD : left.offset < right.offset
        }
        return ranked.prefix(max(0, limit)).map(\.element)
    }
}

/// The ledger could not answer (its database is unreachable or failed): 503 at the HTTP edge.
public enum UsageLedgerError: Error, Sendable, Equatable {
    case unavailable(String)
}

/// Which usage a query covers. Nil fields do not filter.
///
/// `from` and `to` (Unix seconds) select the UTC hours that overlap `[from, to)`: the ledger
/// keeps hourly rollups, so a bound inside an hour takes in that whole hour. Hour-aligned bounds
/// are exact.
public struct UsageFilter: Sendable, Equatable {
    /// Only these tokens (by `jti`).
    public var tokenIDs: Set<String>?
    public var subject: String?
    public var from: Int64?
    public var to: Int64?

    public init(tokenIDs: Set<String>? = nil, subject: String? = nil, from: Int64? = nil, to: Int64? = nil) {
        self.tokenIDs = tokenIDs
        self.subject = subject
        self.from = from
        self.to = to
    }

    /// One token's usage (or any token's, with nil).
    public init(tokenID: String?, subject: String? = nil, from: Int64? = nil, to: Int64? = nil) {
        self.init(tokenIDs: tokenID.map { [$0] }, subject: subject, from: from, to: to)
    }

    /// The first hour start selected (`from` rounded down to the hour).
    var firstHour: Int64? { from.map(UsageHour.start(of:)) }

    /// Whether the rollup of the hour starting at `hour` for this token and subject is selected.
    func selects(tokenID: String, subject: String, hour: Int64) -> Bool {
        if let tokenIDs, !tokenIDs.contains(tokenID) { return false }
        if let wanted = self.subject, wanted != subject { return false }
        if let firstHour, hour < firstHour { return false }
        if let to, hour >= to { return false }
        return true
    }
}

/// The keys a usage query groups by: any subset of token, subject, model and day (UTC).
public struct UsageGrouping: OptionSet, Sendable, Hashable {
    public let rawValue: Int

    public init(rawValue: Int) { self.rawValue = rawValue }

    public static let token = UsageGrouping(rawValue: 1)
    public static let subject = UsageGrouping(rawValue: 2)
    public static let model = UsageGrouping(rawValue: 4)
    public static let day = UsageGrouping(rawValue: 8)

    /// The names `group_by` accepts, in the order keys are shown and sorted.
    public static let names: [(name: String, key: UsageGrouping)] = [
        ("token", .token), ("subject", .subject), ("model", .model), ("day", .day),
    ]

    /// A comma-separated list of names (`"token,model"`; empty: no grouping). Nil when a name is
    /// not one of ``names``.
    public init?(parsing text: some StringProtocol) {
        var grouping: UsageGrouping = []
        for part in text.split(separator: ",") {
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let key = Self.names.first(where: { $0.name == name })?.key else { return nil }
            grouping.insert(key)
        }
        self = grouping
    }

    /// The names of the keys in this grouping, in display order.
    public var keyNames: [String] { Self.names.filter { contains($0.key) }.map(\.name) }
}
