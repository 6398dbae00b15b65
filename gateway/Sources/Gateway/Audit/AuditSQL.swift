import Foundation
import PostgresNIO
import ServiceSupport

/// The SQL of ``PostgresAuditSink`` for one schema: migrations, the batch insert, reading back.
/// Values are always bound; only the validated, quoted schema name is spliced into the text.
struct AuditSQL: Sendable {
    let schema: String
    let table: String

    init(schema: String) throws(SchemaNameError) {
        self.schema = schema
        table = "\(try SchemaMigrator.quote(schema)).audit_records"
    }

    static let migrations: [SchemaMigration] = [
        SchemaMigration(
            version: 1, name: "audit_records",
            statements: [
                """
                CREATE TABLE {schema}.audit_records (
                    writer_id uuid NOT NULL,
                    seq bigint NOT NULL,
                    time timestamptz NOT NULL,
                    request_id text NOT NULL,
                    token_id text,
                    subject text,
                    route text NOT NULL,
                    model text,
                    provider text,
                    status integer NOT NULL,
                    latency_ms double precision NOT NULL,
                    attempts integer NOT NULL,
                    prompt_tokens integer,
                    completion_tokens integer,
                    client_address text,
                    PRIMARY KEY (writer_id, seq)
                )
                """,
                "CREATE INDEX audit_records_time_idx ON {schema}.audit_records (time)",
                "CREATE INDEX audit_records_token_id_time_idx ON {schema}.audit_records (token_id, time)",
            ]),
        SchemaMigration(
            version: 2, name: "audit_records_attempt_log",
            statements: ["ALTER TABLE {schema}.audit_records ADD COLUMN IF NOT EXISTS attempt_log text"]),
        SchemaMigration(
            version: 3, name: "audit_records_cost",
            statements: [
                "ALTER TABLE {schema}.audit_records ADD COLUMN IF NOT EXISTS cached_tokens integer",
                "ALTER TABLE {schema}.audit_records ADD COLUMN IF NOT EXISTS cost_nano_usd bigint",
                "ALTER TABLE {schema}.audit_records ADD COLUMN IF NOT EXISTS usage_estimated boolean NOT NULL DEFAULT false",
            ]),
    ]

    static let columns = """
        writer_id, seq, time, request_id, token_id, subject, route, model, provider, status, latency_ms, attempts, \
        prompt_tokens, completion_tokens, client_address, attempt_log, cached_tokens, cost_nano_usd, usage_estimated
        """
    static let valuesPerRecord = 19

    /// One multi-row INSERT for `batch`; rows already written (same writer and sequence) are skipped.
    func insert(_ batch: [BatchQueue<AuditRecord>.Item], writer: UUID) -> PostgresQuery {
        var binds = PostgresBindings(capacity: batch.count * Self.valuesPerRecord)
        var sql = "INSERT INTO \(table) (\(Self.columns)) VALUES "
        sql.reserveCapacity(sql.utf8.count + batch.count * 110)
        for (index, item) in batch.enumerated() {
            let record = item.record
            let base = binds.count
            binds.append(writer)
            binds.append(item.sequence)
            binds.append(record.time)
            binds.append(record.requestID)
            binds.append(record.tokenID)
            binds.append(record.subject)
            binds.append(record.route)
            binds.append(record.model)
            binds.append(record.provider)
            binds.append(record.status)
            binds.append(record.latencyMs)
            binds.append(record.attempts)
            binds.append(record.promptTokens)
            binds.append(record.completionTokens)
            binds.append(record.clientAddress)
            binds.append(record.attemptLog)
            binds.append(record.cachedTokens)
            binds.append(record.costNanoUSD)
            binds.append(record.usageEstimated)
            if index > 0 { sql += "," }
            sql += "($\(base + 1),$\(base + 2),to_timestamp($\(base + 3))"
            for offset in 4...Self.valuesPerRecord { sql += ",$\(base + offset)" }
            sql += ")"
        }
        sql += " ON CONFLICT (writer_id, seq) DO NOTHING"
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    func select(requestIDPrefix: String) -> PostgresQuery {
        """
        SELECT (extract(epoch FROM time) * 1000000)::bigint, request_id, token_id, subject, route, model, provider,
               status, latency_ms, attempts, prompt_tokens, completion_tokens, client_address, attempt_log,
               cached_tokens, cost_nano_usd, usage_estimated
        FROM \(unescaped: table)
        WHERE starts_with(request_id, \(requestIDPrefix))
        ORDER BY writer_id, seq
        """
    }

    static func record(from row: PostgresRow) throws -> AuditRecord {
        let cells = row.makeRandomAccess()
        var record = AuditRecord(
            time: Double(try cells[0].decode(Int64.self)) / 1_000_000,
            requestID: try cells[1].decode(String.self),
            tokenID: try cells[2].decode(String?.self),
            subject: try cells[3].decode(String?.self),
            route: try cells[4].decode(String.self),
            model: try cells[5].decode(String?.self),
            provider: try cells[6].decode(String?.self),
            status: try cells[7].decode(Int.self),
            latencyMs: try cells[8].decode(Double.self),
            attempts: try cells[9].decode(Int.self),
            attemptLog: try cells[13].decode(String?.self),
            promptTokens: try cells[10].decode(Int?.self),
            completionTokens: try cells[11].decode(Int?.self),
            clientAddress: try cells[12].decode(String?.self)
        )
        record.cachedTokens = try cells[14].decode(Int?.self)
        record.costNanoUSD = try cells[15].decode(Int64?.self)
        record.usageEstimated = try cells[16].decode(Bool.self)
        return record
    }
}
