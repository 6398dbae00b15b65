import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import ServiceSupport
import TokenRuntime

/// The PostgreSQL server of the tests: `LJQ_TEST_DATABASE_URL` (set by
/// `eval "$(bash scripts/ci/postgres.sh start)"`). Suites that need it are disabled without it.
enum TestDatabase {
    static let urlString: String? = {
        guard let value = ProcessInfo.processInfo.environment["LJQ_TEST_DATABASE_URL"], !value.isEmpty else { return nil }
        return value
    }()

    static var isConfigured: Bool { urlString != nil }

    static func url() throws -> PostgresURL {
        guard let urlString else { throw TestDatabaseError("LJQ_TEST_DATABASE_URL is not set") }
        return try PostgresURL(urlString)
    }

    /// A schema name no other test uses.
    static func uniqueSchema(_ label: String) -> String {
        "t_\(label)_\(UInt32.random(in: .min ... .max))"
    }

    static func logger(_ label: String, level: Logger.Level = .warning) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    /// A client (not yet running); `applicationName` lets a test find its connections in `pg_stat_activity`.
    static func client(_ url: PostgresURL? = nil, maximumConnections: Int = 8, applicationName: String? = nil) throws -> PostgresClient {
        let url = try url ?? Self.url()
        var configuration = url.clientConfiguration(connectTimeout: .seconds(2), maximumConnections: maximumConnections)
        if let applicationName { configuration.options.additionalStartupParameters = [("application_name", applicationName)] }
        return PostgresClient(configuration: configuration, backgroundLogger: logger("postgres-client", level: .critical))
    }

    /// Runs `services` in a ServiceGroup while `body` runs, then shuts them down gracefully.
    static func withServices<T: Sendable>(
        _ services: [any Service], _ body: () async throws -> T
    ) async throws -> T {
        let group = ServiceGroup(configuration: .init(services: services, logger: logger("test-services")))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let result: Result<T, any Error>
            do {
                result = .success(try await body())
            } catch {
                result = .failure(error)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }

    /// Drops a test schema over a connection of its own (best effort).
    static func dropSchema(_ schema: String) async {
        guard let url = try? url(), let quoted = try? SchemaMigrator.quote(schema) else { return }
        let client = PostgresClient(configuration: url.clientConfiguration(maximumConnections: 1), backgroundLogger: logger("drop", level: .critical))
        _ = try? await withServices([client]) {
            _ = try await Deadline.run(within: .seconds(5)) {
                try await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(quoted) CASCADE")).collect()
            }
        }
    }

    /// Waits until `condition` holds, checking every 10 ms, for at most `limit`.
    static func eventually(
        within limit: Duration = .seconds(10), _ condition: () async throws -> Bool
    ) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await condition()
    }

    /// A 127.0.0.1 port nothing listens on (bound, then released).
    static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestDatabaseError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestDatabaseError("bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct TestDatabaseError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
