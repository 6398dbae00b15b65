import Foundation
import Logging
import PostgresNIO

/// One versioned step of a component's database schema. Statements may use `{schema}`, which is
/// replaced by the quoted schema name.
public struct SchemaMigration: Sendable {
    public var version: Int
    public var name: String
    public var statements: [String]

    public init(version: Int, name: String, statements: [String]) {
        self.version = version
        self.name = name
        self.statements = statements
    }
}

/// Applies versioned migrations, recording each in `{schema}.schema_migrations(component, version)`.
///
/// Guarantees: idempotent (applied versions are skipped); all pending steps of one call run in a
/// single transaction, so a failure leaves the schema as it was; replicas starting together
/// serialize on a transaction-scoped advisory lock, so each step runs exactly once.
public enum SchemaMigrator {
    /// Applies the pending steps of `migrations` for `component`; returns the versions applied now.
    @discardableResult
    public static func migrate(
        _ migrations: [SchemaMigration], component: String, schema: String, client: PostgresClient, logger: Logger
    ) async throws -> [Int] {
        let quoted = try quote(schema)
        let applied = try await client.withTransaction(logger: logger) { connection -> [Int] in
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(schema + ".schema_migrations")))", logger: logger)
            let exists =
                try await connection.query("SELECT 1 FROM pg_namespace WHERE nspname = \(schema)", logger: logger)
                .collect().count > 0
            if !exists {
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA IF NOT EXISTS \(quoted)"), logger: logger)
            }
            try await connection.query(
                PostgresQuery(
                    unsafeSQL: """
                        CREATE TABLE IF NOT EXISTS \(quoted).schema_migrations (
                            component text NOT NULL,
                            version integer NOT NULL,
                            name text NOT NULL,
                            applied_at timestamptz NOT NULL DEFAULT now(),
                            PRIMARY KEY (component, version)
                        )
                        """), logger: logger)
            var done = Set<Int>()
            let rows = try await connection.query(
                "SELECT version FROM \(unescaped: quoted).schema_migrations WHERE component = \(component)", logger: logger)
            for try await version in rows.decode(Int.self) { done.insert(version) }
            var appliedNow: [Int] = []
            for migration in migrations.sorted(by: { $0.version < $1.version }) where !done.contains(migration.version) {
                for statement in migration.statements {
                    let sql = statement.replacingOccurrences(of: "{schema}", with: quoted)
                    try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
                }
                try await connection.query(
                    """
                    INSERT INTO \(unescaped: quoted).schema_migrations (component, version, name)
                    VALUES (\(component), \(migration.version), \(migration.name))
                    """, logger: logger)
                appliedNow.append(migration.version)
            }
            if let newest = done.max(), newest > (migrations.map(\.version).max() ?? 0) {
                logger.warning(
                    "the database schema is newer than this build",
                    metadata: ["db.component": "\(component)", "db.schema_version": "\(newest)"])
            }
            return appliedNow
        }
        if !applied.isEmpty {
            logger.info(
                "applied database migrations",
                metadata: ["db.component": "\(component)", "db.schema": "\(schema)", "db.versions": "\(applied)"])
        }
        return applied
    }

    /// `schema` as a quoted identifier; only lowercase letters, digits and `_` are accepted.
    public static func quote(_ schema: String) throws(SchemaNameError) -> String {
        guard isValid(schema) else { throw SchemaNameError(name: schema) }
        return "\"\(schema)\""
    }

    public static func isValid(_ schema: String) -> Bool {
        let bytes = Array(schema.utf8)
        guard (1...63).contains(bytes.count), !(48...57).contains(bytes[0]) else { return false }
        return bytes.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == UInt8(ascii: "_") }
    }
}

/// A schema name that is not a plain lowercase identifier.
public struct SchemaNameError: Error, Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var description: String {
        "invalid schema name \"\(name)\": use 1 to 63 lowercase letters, digits or _, not starting with a digit"
    }
}
