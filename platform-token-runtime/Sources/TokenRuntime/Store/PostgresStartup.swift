import ServiceSupport
import Logging
import PostgresNIO

/// Startup checks for a configured database: fail within seconds, naming the variable to fix,
/// rather than leave a connection pool retrying in the background.
public enum PostgresStartup {
    /// Opens one connection within `timeout` and runs `SELECT 1`: checks that the server is
    /// reachable, the credentials work and the database exists.
    public static func probe(_ url: PostgresURL, variable: String, timeout: Duration, logger: Logger) async throws(DatabaseStartupError) {
        do {
            try await Deadline.run(within: timeout + .seconds(1)) {
                let connection = try await PostgresConnection.connect(
                    configuration: url.connectionConfiguration(connectTimeout: timeout), id: 0, logger: logger)
                do {
                    _ = try await connection.query("SELECT 1", logger: logger).collect()
                } catch {
                    try? await connection.close()
                    throw error
                }
                try await connection.close()
            }
        } catch {
            throw DatabaseStartupError(variable: variable, url: url.redacted, reason: PostgresErrorSummary.describe(error))
        }
    }

    /// Runs `step` (migrations), turning its failure into a ``DatabaseStartupError``.
    public static func run(
        _ what: String, url: PostgresURL, variable: String, _ step: () async throws -> Void
    ) async throws(DatabaseStartupError) {
        do {
            try await step()
        } catch {
            throw DatabaseStartupError(
                variable: variable, url: url.redacted, reason: "\(what) failed: \(PostgresErrorSummary.describe(error))")
        }
    }
}

/// The configured database cannot be used. The message names the variable and the URL (without
/// its password) and says what went wrong.
public struct DatabaseStartupError: Error, Sendable, CustomStringConvertible {
    public var variable: String
    public var url: String
    public var reason: String

    public init(variable: String, url: String, reason: String) {
        self.variable = variable
        self.url = url
        self.reason = reason
    }

    public var description: String {
        "cannot use the database \(url) from \(variable): \(reason); check \(variable) and that the server is up"
    }
}
