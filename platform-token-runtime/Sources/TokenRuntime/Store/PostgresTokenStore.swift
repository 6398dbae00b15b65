import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization
import ServiceSupport
import TokenProtocol

/// The durable store: token records in PostgreSQL (digests only, as `bytea`; never tokens), with
/// a bounded memory layer in front for the introspection hot path.
///
/// Consistency between replicas that share one database:
/// - **Invalidation by LISTEN/NOTIFY.** A revocation commits the row and a notification on the
///   `token_revoked` channel (`<revocation seq>:<token id>:<digest hex>`) in one transaction.
///   Every replica's listener (this type's `run()`, a `Service`) drops the memory entry for that
///   digest, then acknowledges the sequence number in `token_runtime_replicas`.
/// - **Revocation waits for the acknowledgements.** ``revoke(id:at:)`` returns once every live
///   replica has acknowledged, or after `maxStaleness`, whichever comes first. Revocations are
///   serialized by an advisory lock, so sequence numbers follow commit order, which is also the
///   order in which PostgreSQL delivers notifications.
/// - **Bounded staleness.** A memory entry for an active (or expired) token is trusted for at most
///   `maxStaleness` (default 1 s) after the read that produced it; then the row is read again. So a
///   notification that is lost cannot keep a revoked token active for longer than that, and a
///   revocation that waited the full `maxStaleness` is visible everywhere when it returns.
/// - **No listener, no memory.** The memory layer serves entries only while the listener is
///   connected and its heartbeat in `token_runtime_replicas` is current (so revokers wait for this
///   replica); otherwise every lookup reads the database. A replica whose listener reconnects
///   starts from an empty memory layer.
///
/// Together: once `revoke` has returned, no replica answers "active" for that token. Expiry is
/// never cached as a decision: records carry `expires_at` and the service compares it with its
/// clock on every introspection.
///
/// Every database call has a deadline (`queryTimeout`); failures surface as
/// ``TokenStoreError/unavailable(_:)`` (503 at the HTTP edge), never as a hang.
public final class PostgresTokenStore: TokenStore, Service {
    public struct Configuration: Sendable {
        /// Schema holding the tables (created if missing); lets tests and tenants share a database.
        public var schema: String
        /// How long a memory entry for an active token is trusted before its row is read again.
        public var maxStaleness: Duration
        /// Memory entries kept, at most (approximately LRU past it).
        public var cacheEntries: Int
        /// Deadline of each database call.
        public var queryTimeout: Duration
        /// How often the listener refreshes this replica's heartbeat.
        public var heartbeatInterval: Duration
        /// Replicas whose heartbeat is older than this are not waited for by revocations.
        public var replicaLiveness: Duration

        public init(
            schema: String = "public", maxStaleness: Duration = .seconds(1), cacheEntries: Int = 100_000,
            queryTimeout: Duration = .seconds(2), heartbeatInterval: Duration = .seconds(2),
            replicaLiveness: Duration = .seconds(15)
        ) {
            self.schema = schema
            self.maxStaleness = maxStaleness
            self.cacheEntries = cacheEntries
            self.queryTimeout = queryTimeout
            self.heartbeatInterval = heartbeatInterval
            self.replicaLiveness = replicaLiveness
        }
    }

    public let configuration: Configuration
    /// This replica's row in `token_runtime_replicas`.
    public let replicaID: String
    let client: PostgresClient
    let logger: Logger
    let sql: PostgresTokenSQL
    let cache: Mutex<RecordCache>
    let migrated = Atomic<Bool>(false)
    /// Called for every revocation this replica hears of (its own included), after the memory
    /// entry is dropped: feeds `GET /v1/events`, so subscribers of every replica hear every revocation.
    let revocationObserver = Mutex<(@Sendable (_ tokenID: String, _ digest: TokenDigest) -> Void)?>(nil)

    /// Called for every announced stream event this replica hears of (its own included): feeds
    /// `GET /v1/events` with the events of every replica.
    let streamEventObserver = Mutex<(@Sendable (StreamEvent) -> Void)?>(nil)

    /// Sets the observer of revocations heard through LISTEN/NOTIFY.
    public func observeRevocations(_ observer: @escaping @Sendable (_ tokenID: String, _ digest: TokenDigest) -> Void) {
        revocationObserver.withLock { $0 = observer }
    }

    /// - Parameter client: run by the caller (as a service next to this one).
    public init(client: PostgresClient, configuration: Configuration = Configuration(), logger: Logger) throws(SchemaNameError) {
        precondition(configuration.replicaLiveness > configuration.heartbeatInterval * 2, "replicaLiveness must exceed two heartbeats")
        self.client = client
        self.configuration = configuration
        self.logger = logger
        self.sql = try PostgresTokenSQL(schema: configuration.schema)
        self.replicaID = TokenRecord.newID().replacingPrefix("tok_", with: "rep_")
        self.cache = Mutex(
            RecordCache(generationCapacity: max(1, configuration.cacheEntries / 2), maxStaleness: configuration.maxStaleness))
    }

    /// The `token_revoked` channel of this store's schema (`token_revoked_<schema>` outside `public`).
    public var channel: String { sql.channel }

    /// The `token_events` channel of this store's schema (`token_events_<schema>` outside `public`).
    public var eventsChannel: String { sql.eventsChannel }

    /// Creates or upgrades the tables; idempotent, safe to run from several replicas at once.
    public func migrate(timeout: Duration = .seconds(10)) async throws {
        try await Deadline.run(within: timeout) { [client, sql, logger] in
            try await SchemaMigrator.migrate(
                PostgresTokenSQL.migrations, component: "token_runtime", schema: sql.schema, client: client, logger: logger)
        }
        migrated.store(true, ordering: .releasing)
    }

    /// True when the database answers within a second (for `/readyz`).
    public func isReady() async -> Bool {
        do {
            try await Deadline.run(within: .seconds(1)) { [client] in _ = try await client.query("SELECT 1").collect() }
            return true
        } catch {
            return false
        }
    }

    public func insert(_ record: TokenRecord) async throws {
        let ticket = cache.withLock { $0.ticket(at: .now) }
        try await database { [client, sql] in _ = try await client.query(sql.insert(record)).collect() }
        cache.withLock { $0.store(record, ticket: ticket) }
    }

    public func record(digest: TokenDigest) async throws -> TokenRecord? {
        enum Step {
            case hit(TokenRecord)
            case miss(RecordCache.Ticket?)
        }
        let now = ContinuousClock.now
        let step: Step = cache.withLock { cache in
            if let record = cache.lookup(digest, now: now) {
                cache.counter.hits += 1
                return .hit(record)
            }
            cache.counter.misses += 1
            return .miss(cache.ticket(at: now))
        }
        switch step {
        case .hit(let record):
            return record
        case .miss(let ticket):
            let record = try await database { [client, sql] in try await Self.first(client.query(sql.select(digest: digest))) }
            if let record { cache.withLock { $0.store(record, ticket: ticket) } }
            return record
        }
    }

    public func record(id: String) async throws -> TokenRecord? {
        try await database { [client, sql] in try await Self.first(client.query(sql.select(id: id))) }
    }

    /// Revokes in one transaction (keeping an earlier revocation time), updates this replica's
    /// memory, then waits until the other replicas have dropped theirs (see the type's notes).
    public func revoke(id: String, at time: Int64) async throws -> TokenRecord? {
        let outcome = try await database { [client, sql, logger] in
            try await client.withTransaction(logger: logger) { connection -> (TokenRecord, Int64?)? in
                try await connection.query(sql.lockRevocations, logger: logger)
                if let row = try await Self.firstRow(connection.query(sql.revoke(id: id, at: time), logger: logger)) {
                    let sequence = try row.makeRandomAccess()[0].decode(Int64.self)
                    return (try PostgresTokenSQL.record(from: row, offset: 1), sequence)
                }
                return try await Self.first(connection.query(sql.select(id: id), logger: logger)).map { ($0, nil) }
            }
        }
        guard let (record, sequence) = outcome else { return nil }
        cache.withLock { $0.storeOwnWrite(record, at: .now) }
        if let sequence {
            logger.info("token revoked", metadata: ["token.id": "\(record.id)", "revocation.seq": "\(sequence)"])
            await awaitAcknowledgements(of: sequence)
        }
        return record
    }

    /// Replaces the policy in one transaction (serialized with revocations, so its notification
    /// takes its turn in their sequence), updates this replica's memory, then waits until the
    /// other replicas have dropped theirs, as ``revoke(id:at:)`` does.
    public func update(id: String, policy: TokenPolicy, ifCurrent expected: TokenPolicy?) async throws -> TokenRecord? {
        let outcome = try await database { [client, sql, logger] in
            try await client.withTransaction(logger: logger) { connection -> (TokenRecord, Int64)? in
                try await connection.query(sql.lockRevocations, logger: logger)
                guard let row = try await Self.firstRow(connection.query(sql.update(id: id, policy: policy, ifCurrent: expected), logger: logger)) else {
                    return nil
                }
                let sequence = try row.makeRandomAccess()[0].decode(Int64.self)
                return (try PostgresTokenSQL.record(from: row, offset: 1), sequence)
            }
        }
        guard let (record, sequence) = outcome else { return nil }
        cache.withLock { $0.storeOwnWrite(record, at: .now) }
        logger.info("token policy updated", metadata: ["token.id": "\(record.id)", "revocation.seq": "\(sequence)"])
        await awaitAcknowledgements(of: sequence)
        return record
    }

    /// One page in issue order; a single statement, so it reads one consistent snapshot.
    public func list(_ query: TokenQuery, now: Double) async throws -> TokenPage {
        let records = try await database { [client, sql] in
            var records: [TokenRecord] = []
            for try await row in try await client.query(sql.list(query, now: now)) {
                records.append(try PostgresTokenSQL.record(from: row))
            }
            return records
        }
        guard records.count > query.limit else { return TokenPage(records: records, nextCursor: nil) }
        let page = Array(records.prefix(query.limit))
        return TokenPage(records: page, nextCursor: page.last?.id)
    }

    public func cacheHitRate() -> Double {
        cache.withLock { $0.counter.rate }
    }

    /// Lookups by digest answered from memory and from the database so far.
    public func hitCounter() -> HitCounter {
        cache.withLock { $0.counter }
    }

    /// True while the revocation listener is registered and memory entries may be served.
    public var isServingFromMemory: Bool { cache.withLock { $0.isTrusted(at: .now) } }

    /// Entries in the memory layer now.
    public var cachedEntries: Int { cache.withLock { $0.count } }

    // MARK: - Database calls

    /// Runs `operation` within `queryTimeout`. A unique violation becomes
    /// ``TokenStoreError/duplicate``, every other failure ``TokenStoreError/unavailable(_:)``.
    func database<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        do {
            return try await Deadline.run(within: configuration.queryTimeout, operation)
        } catch let error as TokenStoreError {
            throw error
        } catch {
            if PostgresErrorSummary.sqlState(error) == "23505" { throw TokenStoreError.duplicate }
            let reason = PostgresErrorSummary.describe(error)
            logger.warning("token store call failed", metadata: ["db.error": "\(reason)", "db.schema": "\(sql.schema)"])
            throw TokenStoreError.unavailable(reason)
        }
    }

    static func firstRow(_ rows: PostgresRowSequence) async throws -> PostgresRow? {
        var iterator = rows.makeAsyncIterator()
        let row = try await iterator.next()
        while try await iterator.next() != nil {}
        return row
    }

    static func first(_ rows: PostgresRowSequence) async throws -> TokenRecord? {
        try await firstRow(rows).map { try PostgresTokenSQL.record(from: $0) }
    }
}

extension String {
    func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
