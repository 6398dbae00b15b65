import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle
import ServiceSupport
import TokenRuntime

/// The PostgreSQL server of the audit tests: `LJQ_TEST_DATABASE_URL` (set by
/// `eval "$(bash scripts/ci/postgres.sh start)"`), plus clusters of their own for outage tests.
enum AuditTestDatabase {
    static let urlString: String? = {
        guard let value = ProcessInfo.processInfo.environment["LJQ_TEST_DATABASE_URL"], !value.isEmpty else { return nil }
        return value
    }()

    static var isConfigured: Bool { urlString != nil }

    static func url() throws -> PostgresURL {
        guard let urlString else { throw AuditTestError("LJQ_TEST_DATABASE_URL is not set") }
        return try PostgresURL(urlString)
    }

    static func uniqueSchema(_ label: String) -> String {
        "t_audit_\(label)_\(UInt32.random(in: .min ... .max))"
    }

    static func logger(_ label: String, level: Logger.Level = .warning) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    static func client(_ url: PostgresURL? = nil) throws -> PostgresClient {
        let url = try url ?? Self.url()
        return PostgresClient(
            configuration: url.clientConfiguration(connectTimeout: .seconds(1), maximumConnections: 4),
            backgroundLogger: logger("postgres-client", level: .critical))
    }

    /// Runs `services` in a ServiceGroup while `body` runs, then shuts them down gracefully.
    static func withServices<T: Sendable>(_ services: [any Service], _ body: () async throws -> T) async throws -> T {
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

    static func dropSchema(_ schema: String, url: PostgresURL? = nil) async {
        guard let url = try? url ?? Self.url(), let quoted = try? SchemaMigrator.quote(schema) else { return }
        let client = PostgresClient(configuration: url.clientConfiguration(maximumConnections: 1), backgroundLogger: logger("drop", level: .critical))
        _ = try? await withServices([client]) {
            _ = try await Deadline.run(within: .seconds(5)) {
                try await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA IF EXISTS \(quoted) CASCADE")).collect()
            }
        }
    }

    /// Waits until `condition` holds, checking every 10 ms, for at most `limit`.
    static func eventually(within limit: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws -> Bool {
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
        guard fd >= 0 else { throw AuditTestError("socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw AuditTestError("bind() failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// A PostgreSQL cluster of one test's own, made by `scripts/ci/postgres.sh`, so the test can stop
/// and restart its server without disturbing the tests that share `LJQ_TEST_DATABASE_URL`.
struct TestCluster: Sendable {
    let name: String
    let url: PostgresURL

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/ci/postgres.sh").path

    static func start(_ label: String) async throws -> TestCluster {
        let name = "\(label)-\(UInt32.random(in: .min ... .max))"
        let output = try await run("start", name)
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("export LJQ_TEST_DATABASE_URL=") }) else {
            throw AuditTestError("postgres.sh start printed no URL: \(output)")
        }
        return TestCluster(name: name, url: try PostgresURL(String(line.dropFirst("export LJQ_TEST_DATABASE_URL=".count))))
    }

    func stopServer() async throws { _ = try await Self.run("stop-server", name) }
    func startServer() async throws { _ = try await Self.run("start-server", name) }
    func remove() async { _ = try? await Self.run("stop", name) }

    /// Runs the script and returns its standard output; throws on a non-zero exit.
    ///
    /// posix_spawn and a blocking waitpid on a thread of its own, output through files: Foundation's
    /// `Process` did not reap the child in this test process (its termination handler never ran).
    static func run(_ arguments: String...) async throws -> String {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("ljq-cluster-\(UUID().uuidString)").path
        let (outPath, errPath) = (base + ".out", base + ".err")
        defer {
            unlink(outPath)
            unlink(errPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv: [UnsafeMutablePointer<CChar>?] = (["/bin/bash", script] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/bash", &actions, nil, argv, environ)
        guard spawned == 0 else { throw AuditTestError("posix_spawn failed: \(spawned)") }
        let child = pid
        let status: Int32 = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var status: Int32 = 0
                while waitpid(child, &status, 0) == -1, errno == EINTR {}
                continuation.resume(returning: status)
            }
        }
        let output = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        // Exited normally with code 0: low 7 bits (signal) and the exit code byte are both zero.
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            let errors = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
            throw AuditTestError("postgres.sh \(arguments.joined(separator: " ")) failed (status \(status)): \(errors)")
        }
        return output
    }
}

struct AuditTestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
