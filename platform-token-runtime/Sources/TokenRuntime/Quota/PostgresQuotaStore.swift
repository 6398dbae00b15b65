import Logging
import PostgresNIO
import ServiceSupport
import TokenProtocol

/// The shared quota store: leases, requests per minute and alert marks in PostgreSQL, next to
/// the usage ledger's rollups (same schema), so any number of runtime replicas on the database
/// grant from one budget.
///
/// A call is one transaction: lock the token's row in `quota_tokens` (created on first use), read
/// the ``QuotaBook`` in one statement, write the holder's lease and requests. Calls for one token
/// therefore run one after another across replicas, and each sees everything the one before it
/// committed: no money or request is granted twice. Settlement happens in the ledger's own
/// statement (``PostgresUsageSQL/record(_:)``). Times are the injected clock's (the runtime's),
/// as for the memory store.
public final class PostgresQuotaStore: QuotaStore {
    public struct Configuration: Sendable {
        /// The schema of the usage ledger (the token store's in production).
        public var schema: String
        /// Deadline of each call (a transaction, lock wait included).
        public var queryTimeout: Duration

        public init(schema: String = "public", queryTimeout: Duration = .seconds(2)) {
            self.schema = schema
            self.queryTimeout = queryTimeout
        }
    }

    public let configuration: Configuration
    let client: PostgresClient
    let logger: Logger
    let sql: PostgresQuotaSQL
    /// Calls of this replica for one token wait here rather than each on a pool connection.
    let queue = KeyedSerialQueue()

    /// - Parameter client: run by the caller (as a service), shared with the ledger and the token
    ///   store. The tables are the ledger's migrations: run ``PostgresUsageLedger/migrate(timeout:)``.
    public init(client: PostgresClient, configuration: Configuration = Configuration(), logger: Logger) throws(SchemaNameError) {
        self.client = client
        self.configuration = configuration
        self.logger = logger
        self.sql = try PostgresQuotaSQL(schema: configuration.schema)
    }

    public func apply(_ request: QuotaLeaseRequest, terms: QuotaTerms) async throws -> QuotaDecision {
        let period = terms.periodWindow
        let window = terms.windowStart
        let bookQuery = sql.book(
            tokenID: request.tokenID, holder: request.holder, firstHour: InMemoryQuotaStore.firstHour(period), endHour: period.end,
            periodStart: period.start, now: terms.now, window: window)
        return try await database { [client, sql, logger, queue] in
            try await queue.run(request.tokenID) {
                try await Self.apply(request, terms: terms, bookQuery: bookQuery, client: client, sql: sql, logger: logger)
            }
        }
    }

    /// The transaction of ``apply(_:terms:)``.
    static func apply(
        _ request: QuotaLeaseRequest, terms: QuotaTerms, bookQuery: PostgresQuery, client: PostgresClient, sql: PostgresQuotaSQL,
        logger: Logger
    ) async throws -> QuotaDecision {
        let period = terms.periodWindow
        let window = terms.windowStart
        return try await client.withTransaction(logger: logger) { connection -> QuotaDecision in
            try await connection.query(sql.lock(tokenID: request.tokenID), logger: logger)
            var book = QuotaBook()
            for try await (spent, othersLeased, holderLease, othersRequests, holderRequests) in try await connection.query(
                bookQuery, logger: logger
            ).decode((Int64, Int64, Int64, Int64, Int64).self) {
                book = QuotaBook(
                    spent: spent, othersLeased: othersLeased, holderLease: holderLease, othersRequests: Int(othersRequests),
                    holderRequests: Int(holderRequests))
            }
            let decision = QuotaDecision(request: request, terms: terms, book: book)
            if terms.budget != nil {
                try await connection.query(
                    sql.writeLease(
                        tokenID: request.tokenID, holder: request.holder, periodStart: period.start, now: terms.now,
                        released: decision.releasedNanoUSD, granted: decision.grantedNanoUSD, expiresAt: terms.leaseExpiry),
                    logger: logger)
            }
            if terms.rateLimitRPM != nil {
                try await connection.query(
                    sql.writeRequests(tokenID: request.tokenID, holder: request.holder, window: window, granted: decision.holderRequests),
                    logger: logger)
            }
            return decision
        }
    }

    public func spent(tokenID: String, from start: Int64, to end: Int64?) async throws -> NanoUSD {
        let query = sql.spent(tokenID: tokenID, firstHour: InMemoryQuotaStore.firstHour((start, end)), endHour: end)
        return try await database { [client, logger] in
            var total: Int64 = 0
            for try await value in try await client.query(query, logger: logger).decode(Int64.self) { total = value }
            return NanoUSD(total)
        }
    }

    public func markAlert(tokenID: String, periodStart: Int64, thresholdPercent: Int) async throws -> Bool {
        let query = sql.markAlert(tokenID: tokenID, periodStart: periodStart, thresholdPercent: thresholdPercent)
        return try await database { [client, logger] in
            var inserted = false
            for try await _ in try await client.query(query, logger: logger) { inserted = true }
            return inserted
        }
    }

    @discardableResult
    public func sweep(before time: Double) async throws -> Int {
        let query = sql.sweep(before: time)
        return try await database { [client, logger] in
            var removed: Int64 = 0
            for try await count in try await client.query(query, logger: logger).decode(Int64.self) { removed = count }
            return Int(removed)
        }
    }

    /// Runs `operation` within the deadline; a deadlock or serialization failure (rolled back
    /// whole) is tried again, twice at most; other failures become ``QuotaStoreError/unavailable(_:)``.
    func database<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await Deadline.run(within: configuration.queryTimeout, operation)
            } catch {
                let state = PostgresErrorSummary.sqlState(error)
                if attempt < 3, state == "40P01" || state == "40001" { continue }
                let reason = PostgresErrorSummary.describe(error)
                logger.warning("quota store call failed", metadata: ["db.error": "\(reason)", "db.schema": "\(sql.schema)"])
                throw QuotaStoreError.unavailable(reason)
            }
        }
    }
}
