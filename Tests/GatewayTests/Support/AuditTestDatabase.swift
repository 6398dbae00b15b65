import Foundation
import ServiceSupport
import TestSupport

/// The PostgreSQL server of the audit tests (TestSupport's `PostgresTestDatabase`: the URL from
/// `LJQ_TEST_DATABASE_URL`, throwaway schemas, clients, services), plus clusters of their own for
/// outage tests: schemas `t_audit_<label>_<n>`, clients of up to 4 connections that give up
/// connecting after 1 s.
enum AuditTestDatabase: PostgresTestDatabase {
    static let schemaPrefix = "t_audit_"
    static let connectTimeout: Duration = .seconds(1)
    static let maximumConnections = 4
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
            throw TestSupportError("postgres.sh start printed no URL: \(output)")
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
        guard spawned == 0 else { throw TestSupportError("posix_spawn failed: \(spawned)") }
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
            throw TestSupportError("postgres.sh \(arguments.joined(separator: " ")) failed (status \(status)): \(errors)")
        }
        return output
    }
}
