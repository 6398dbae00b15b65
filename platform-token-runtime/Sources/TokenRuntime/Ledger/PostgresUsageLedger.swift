import Logging
import PostgresNIO
import ServiceSupport
import TokenProtocol

/// The shared ledger: records and hourly rollups in PostgreSQL, so every runtime replica on the
/// database sees the same totals.
///
/// A report is one statement (``PostgresUsageSQL/record(_:)``): the records whose ids are new go
/// into `usage_events` and exactly those are added to `usage_rollups`, atomically. A batch sent
/// again, by the same gateway or concurrently through another replica, adds nothing; a ledger
/// restarted over the same database keeps everything. Every call has a deadline (`queryTimeout`,
/// `reportTimeout`); failures surface as ``UsageLedgerError/unavailable(_:)``.
public final class PostgresUsageLedger: UsageLedger {
    public struct Configuration: Sendable {
        /// Schema holding the tables (created if missing); the token store's schema in production.
        public var schema: String
        /// Deadline of each query.
        public var queryTimeout: Duration
        /// Deadline of recording one report (up to 5,000 records in one statement). A report that
        /// misses it may still commit; the gateway's retry then finds its ids and adds nothing.
        public var reportTimeout: Duration

        public init(schema: String = "public", queryTimeout: Duration = .seconds(2), reportTimeout: Duration = .seconds(10)) {
            self.schema = schema
            self.queryTimeout = queryTimeout
            self.reportTimeout = reportTimeout
        }
    }

    public let configuration: Configuration
    let client: PostgresClient
    let logger: Logger
    let sql: PostgresUsageSQL

    /// - Parameter client: run by the caller (as a service), shared with the token store.
    public init(client: PostgresClient, configuration: Configuration = Configuration(), logger: Logger) throws(SchemaNameError) {
        self.client = client
        self.configuration = configuration
        self.logger = logger
        self.sql = try PostgresUsageSQL(schema: configuration.schema)
    }

    /// Creates or upgrades the ledger's tables (component `usage_ledger`); idempotent, safe to
    /// run from several replicas at once.
    public func migrate(timeout: Duration = .seconds(10)) async throws {
        try await Deadline.run(within: timeout) { [client, sql, logger] in
            try await SchemaMigrator.migrate(
                PostgresUsageSQL.migrations, component: "usage_ledger", schema: sql.schema, client: client, logger: logger)
        }
    }

    public func record(_ records: [UsageRecord]) async throws -> UsageReportReceipt {
        // Repeats within the batch are duplicates too; the statement sees each id once.
        var ids = Set<String>()
        let unique = records.filter { ids.insert($0.id).inserted }
        guard !unique.isEmpty else { return UsageReportReceipt(accepted: 0, duplicates: records.count) }
        let query = sql.record(unique)
        let accepted = try await database(within: configuration.reportTimeout, retryingConflicts: true) { [client, logger] in
            var accepted: Int64 = 0
            for try await count in try await client.query(query, logger: logger).decode(Int64.self) { accepted = count }
            return Int(accepted)
        }
        return UsageReportReceipt(accepted: accepted, duplicates: records.count - accepted)
    }

    public func query(_ filter: UsageFilter, groupBy grouping: UsageGrouping) async throws -> [UsageTotals] {
        try await totals(sql.totals(filter, groupBy: grouping), groupBy: grouping)
    }

    /// Sorted and limited in SQL: only `limit` rows leave the database.
    public func largest(_ filter: UsageFilter, groupBy grouping: UsageGrouping, limit: Int) async throws -> [UsageTotals] {
        guard !grouping.isEmpty else { return Array(try await query(filter, groupBy: grouping).prefix(max(0, limit))) }
        return try await totals(sql.totals(filter, groupBy: grouping, largest: limit), groupBy: grouping)
    }

    func totals(_ query: PostgresQuery, groupBy grouping: UsageGrouping) async throws -> [UsageTotals] {
        return try await database(within: configuration.queryTimeout, retryingConflicts: false) { [client, logger] in
            var rows: [UsageTotals] = []
            for try await row in try await client.query(query, logger: logger) {
                rows.append(try PostgresUsageSQL.totals(from: row, groupBy: grouping))
            }
            return rows
        }
    }

    /// Runs `operation` within `limit`; failures become ``UsageLedgerError/unavailable(_:)``.
    /// With `retryingConflicts`, a deadlock or serialization failure (which rolled the statement
    /// back whole) is tried again, twice at most.
    func database<T: Sendable>(
        within limit: Duration, retryingConflicts: Bool, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await Deadline.run(within: limit, operation)
            } catch {
                let state = PostgresErrorSummary.sqlState(error)
                if retryingConflicts, attempt < 3, state == "40P01" || state == "40001" { continue }
                let reason = PostgresErrorSummary.describe(error)
                logger.warning("usage ledger call failed", metadata: ["db.error": "\(reason)", "db.schema": "\(sql.schema)"])
                throw UsageLedgerError.unavailable(reason)
            }
        }
    }
}
