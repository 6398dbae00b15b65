import CoreMetrics
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization
import ServiceSupport

/// Audit records into PostgreSQL (`audit_records`), batched, in order, without loss or duplicates
/// while the queue has room.
///
/// Guarantees:
/// - ``record(_:)`` never blocks or awaits: it appends to a bounded in-memory queue
///   (`capacity`, default 100,000) under a short lock.
/// - When the queue is full the **newest** record is dropped (see ``BatchQueue``) and counted in
///   `gateway_audit_dropped_total{reason="queue_full"}`.
/// - The writer (`run()`, a `Service`) sends multi-row `INSERT`s of up to `batchSize` records,
///   as soon as a batch is full or `flushInterval` after the previous write. Each batch is one
///   statement, so one transaction; records leave the queue only once it committed, so batches
///   go out in order and a failed one is retried (capped exponential backoff) until the database
///   is back.
/// - No duplicates: every record gets this sink's `writerID` and a sequence number, the table's
///   primary key, and batches insert `ON CONFLICT DO NOTHING`. A batch whose commit outcome was
///   lost with its connection is simply written again. (A request id + time key could merge two
///   distinct records that share them; writer + sequence is exactly one record.)
/// - On graceful shutdown the writer keeps writing until the queue is empty or
///   `shutdownGracePeriod` has passed; what is left is logged and counted
///   (`reason="shutdown"`). On cancellation it stops at once.
public final class PostgresAuditSink: AuditSink, Service {
    /// The table's schema and the delivery (``BatchDelivery``: capacity, batch size 1 to 4,000
    /// records a INSERT (19 bound values each; PostgreSQL allows 65,535), flush interval, write
    /// deadline, retry backoff, shutdown grace); `configuration.capacity` and the like read through.
    @dynamicMemberLookup
    public struct Configuration: Sendable {
        /// Schema holding `audit_records` (created if missing).
        public var schema: String
        public var delivery: BatchDelivery<AuditRecord>.Configuration

        public init(schema: String = "public", delivery: BatchDelivery<AuditRecord>.Configuration = .init()) {
            self.schema = schema
            self.delivery = delivery
        }

        public subscript<Value>(dynamicMember keyPath: WritableKeyPath<BatchDelivery<AuditRecord>.Configuration, Value>) -> Value {
            get { delivery[keyPath: keyPath] }
            set { delivery[keyPath: keyPath] = newValue }
        }
    }

    public let configuration: Configuration
    public let writerID: UUID
    let client: PostgresClient
    let logger: Logger
    let sql: AuditSQL
    let schema: AuditSchema
    /// The queue, the batches, the retries and the shutdown flush.
    let delivery: BatchDelivery<AuditRecord>

    public init(
        client: PostgresClient, configuration: Configuration = Configuration(), metricsFactory: any MetricsFactory,
        logger: Logger
    ) throws(SchemaNameError) {
        precondition((1...4_000).contains(configuration.batchSize), "batchSize must be 1 to 4,000")
        let writerID = UUID()
        let sql = try AuditSQL(schema: configuration.schema)
        let schema = AuditSchema(client: client, sql: sql, logger: logger)
        self.client = client
        self.configuration = configuration
        self.writerID = writerID
        self.logger = logger
        self.sql = sql
        self.schema = schema
        let writeTimeout = configuration.writeTimeout
        delivery = BatchDelivery(
            "audit",
            configuration: configuration.delivery,
            metrics: .init(prefix: "gateway_audit", factory: metricsFactory), logger: logger
        ) { batch in
            // One batch in one statement, migrating first if startup could not.
            try await schema.ensure(timeout: writeTimeout)
            _ = try await client.query(sql.insert(batch, writer: writerID)).collect()
        }
    }

    public func record(_ record: AuditRecord) {
        delivery.append(record)
    }

    public func isHealthy() async -> Bool { delivery.isHealthy }

    /// Records waiting to be written (for tests).
    var queuedCount: Int { delivery.queuedCount }

    /// Records refused because the queue was full (for tests; the `gateway_audit_dropped_total{reason="queue_full"}`
    /// counter is what operators see).
    var droppedCount: UInt64 { delivery.droppedCount }

    public func run() async throws { await delivery.run() }

    /// Creates or upgrades `audit_records` (idempotent; also done by the writer before its first batch).
    public func migrate(timeout: Duration = .seconds(10)) async throws {
        try await schema.migrate(timeout: timeout)
    }

    /// Records whose request id starts with `requestIDPrefix`, in the order each sink recorded
    /// them. Times come back with microsecond precision (what `timestamptz` keeps). For tests.
    func fetchRecords(requestIDPrefix: String, timeout: Duration = .seconds(5)) async throws -> [AuditRecord] {
        try await Deadline.run(within: timeout) { [client, sql] in
            var records: [AuditRecord] = []
            for try await row in try await client.query(sql.select(requestIDPrefix: requestIDPrefix)) {
                records.append(try AuditSQL.record(from: row))
            }
            return records
        }
    }
}

/// The audit table's migrations, run once per sink (at startup, else before the first batch).
final class AuditSchema: Sendable {
    let client: PostgresClient
    let sql: AuditSQL
    let logger: Logger
    let migrated = Atomic<Bool>(false)

    init(client: PostgresClient, sql: AuditSQL, logger: Logger) {
        self.client = client
        self.sql = sql
        self.logger = logger
    }

    func ensure(timeout: Duration) async throws {
        if !migrated.load(ordering: .acquiring) { try await migrate(timeout: timeout) }
    }

    func migrate(timeout: Duration) async throws {
        try await Deadline.run(within: timeout) { [client, sql, logger] in
            try await SchemaMigrator.migrate(AuditSQL.migrations, component: "gateway_audit", schema: sql.schema, client: client, logger: logger)
        }
        migrated.store(true, ordering: .releasing)
    }
}
