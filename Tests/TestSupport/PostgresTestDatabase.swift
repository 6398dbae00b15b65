import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import ServiceSupport

/// The PostgreSQL server of the tests: `LJQ_TEST_DATABASE_URL`, set by
/// `eval "$(bash scripts/ci/postgres.sh start)"`. Suites that need it are disabled without it
/// (`@Suite(.enabled(if: X.isConfigured, ...))`), and scripts/ci/repo_integrity_check.sh fails when
/// they did not run.
///
/// A test target declares its own conforming type with what differs between services (the prefix of
/// its throwaway schemas, its client's defaults) and gets the rest from the extension below.
public protocol PostgresTestDatabase {
    /// Prefix of the schemas `uniqueSchema` names.
    static var schemaPrefix: String { get }
    /// Connect timeout of `client`.
    static var connectTimeout: Duration { get }
    /// Default pool size of `client`.
    static var maximumConnections: Int { get }
}

/// `LJQ_TEST_DATABASE_URL`, read once; nil when unset or empty.
private let testDatabaseURL: String? = {
    guard let value = ProcessInfo.processInfo.environment["LJQ_TEST_DATABASE_URL"], !value.isEmpty else { return nil }
    return value
}()

extension PostgresTestDatabase {
    public static var urlString: String? { testDatabaseURL }

    public static var isConfigured: Bool { urlString != nil }

    public static func url() throws -> PostgresURL {
        guard let urlString else { throw TestSupportError("LJQ_TEST_DATABASE_URL is not set") }
        return try PostgresURL(urlString)
    }

    /// A schema name no other test uses.
    public static func uniqueSchema(_ label: String) -> String {
        "\(schemaPrefix)\(label)_\(UInt32.random(in: .min ... .max))"
    }

    public static func logger(_ label: String, level: Logger.Level = .warning) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    /// A client (not yet running) of `url` (default: the test server); `applicationName` lets a test
    /// find its connections in `pg_stat_activity`.
    public static func client(
        _ url: PostgresURL? = nil, maximumConnections: Int = Self.maximumConnections, applicationName: String? = nil
    ) throws -> PostgresClient {
        let url = try url ?? Self.url()
        var configuration = url.clientConfiguration(connectTimeout: connectTimeout, maximumConnections: maximumConnections)
        if let applicationName { configuration.options.additionalStartupParameters = [("application_name", applicationName)] }
        return PostgresClient(configuration: configuration, backgroundLogger: logger("postgres-client", level: .critical))
    }

    /// Runs `services` in a ServiceGroup while `body` runs, then shuts them down gracefully.
    public static func withServices<T: Sendable>(_ services: [any Service], _ body: () async throws -> T) async throws -> T {
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

    /// Drops a test schema of `url` (default: the test server) over a connection of its own (best effort).
    public static func dropSchema(_ schema: String, url: PostgresURL? = nil) async {
        guard let url = try? url ?? Self.url(), let quoted = try? SchemaMigrator.quote(schema) else { return }
        let client = PostgresClient(configuration: url.clientConfiguration(maximumConnections: 1), backgroundLogger: logger("drop", level: .critical))
        _ = try? await withServices([client]) {
            _ = try await Deadline.run(within: .seconds(5)) {
                try await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(quoted) CASCADE")).collect()
            }
        }
    }

    /// Waits until `condition` holds, checking every 10 ms, for at most `limit`.
    public static func eventually(within limit: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try await condition()
    }

    /// A 127.0.0.1 port nothing listens on (bound, then released).
    public static func closedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestSupportError("bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A test helper's failure, with what went wrong.
public struct TestSupportError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
