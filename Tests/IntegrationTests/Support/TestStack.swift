import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization
import Testing

/// The processes of one scenario (mock upstreams, token runtimes, gateways) in a temporary
/// folder. `TestStack.run` always stops every process it started and removes the folder, whether
/// the scenario passed, failed an expectation or threw.
///
/// The integration suite runs the built executables (`swift build --build-tests` first; the
/// folder is the test binary's, or `LJQ_BIN_DIR`), every server on 127.0.0.1 on a free port.
/// `LJQ_PYTHON` (a Python with the `openai` package) enables the OpenAI SDK scenario.
final class TestStack: Sendable {
    let name: String
    let directory: URL
    private let children = Mutex<[ManagedProcess]>([])

    static let adminKey = "it-admin-key-0123456789abcdef"
    static let introspectionSecret = "it-introspection-secret-0123456789"
    /// How long a server may take to become ready on a loaded 2-core machine.
    static let startupTimeout: Duration = .seconds(45)

    private init(name: String) throws {
        self.name = name
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ljq-it-\(name.filter { $0.isLetter || $0.isNumber })-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Scenarios with their own processes running at once. Each starts several debug-built servers;
    /// on a 2-core machine all of them at once would starve each other (and the other test targets
    /// running in parallel) of CPU.
    static let concurrentScenarios = AsyncSemaphore(3)

    static func run<T>(_ name: String = #function, _ body: (TestStack) async throws -> T) async throws -> T {
        await concurrentScenarios.acquire()
        defer { concurrentScenarios.release() }
        let stack = try TestStack(name: name)
        do {
            let result = try await body(stack)
            await stack.stopAll()
            try? FileManager.default.removeItem(at: stack.directory)
            return result
        } catch {
            Issue.record("\(name) failed with \(error)\n\(stack.diagnostics())")
            await stack.stopAll()
            try? FileManager.default.removeItem(at: stack.directory)
            throw error
        }
    }

    // MARK: processes

    /// The environment every child starts from: nothing of the developer's GATEWAY_* or
    /// TOKEN_RUNTIME_* variables leaks in.
    static var baseEnvironment: [String: String] {
        let parent = ProcessInfo.processInfo.environment
        var env = ["PATH": parent["PATH"] ?? "/usr/bin:/bin", "HOME": parent["HOME"] ?? "/tmp"]
        for key in ["TMPDIR", "LLVM_PROFILE_FILE"] { env[key] = parent[key] }
        return env
    }

    /// Starts one of the package's executables (`gateway`, `platform-token-runtime`).
    func launch(
        _ name: String, executable: String, arguments: [String] = [], environment: [String: String], stopGrace: Duration = .seconds(5)
    ) throws -> ManagedProcess {
        try launch(name, executableURL: try Executables.url(executable), arguments: arguments, environment: environment, stopGrace: stopGrace)
    }

    /// Starts any program; it is stopped with the rest of the stack.
    func launch(
        _ name: String, executableURL: URL, arguments: [String] = [], environment: [String: String], stopGrace: Duration = .seconds(5)
    ) throws -> ManagedProcess {
        let process = try ManagedProcess(
            name: name, executable: executableURL, arguments: arguments,
            environment: Self.baseEnvironment.merging(environment) { _, new in new }, directory: directory, stopGrace: stopGrace)
        children.withLock { $0.append(process) }
        return process
    }

    /// Starts a server and waits until `GET readyPath` answers 200. Without a fixed port it picks a
    /// free one, and if the server loses that port to someone else it tries another. With `tls`
    /// `https` (a client that trusts the server's certificate) it is asked over HTTPS.
    func startServer(
        _ name: String, executable: String, port fixedPort: Int? = nil, readyPath: String,
        arguments: (Int) -> [String] = { _ in [] }, environment: (Int) -> [String: String] = { _ in [:] },
        stopGrace: Duration = .seconds(5), https: HTTPClient? = nil, softOpenFileLimit: Int? = nil
    ) async throws -> (ManagedProcess, Int) {
        var attempt = 0
        while true {
            attempt += 1
            let port = try fixedPort ?? FreePort.next()
            let process: ManagedProcess
            if let softOpenFileLimit {
                // Started by a shell that lowers its soft open-file limit first (exec keeps the pid).
                process = try launch(
                    name, executableURL: URL(fileURLWithPath: "/bin/sh"),
                    arguments: ["-c", "ulimit -Sn \(softOpenFileLimit) && exec \"$0\" \"$@\"", try Executables.url(executable).path]
                        + arguments(port),
                    environment: environment(port), stopGrace: stopGrace)
            } else {
                process = try launch(
                    name, executable: executable, arguments: arguments(port), environment: environment(port), stopGrace: stopGrace)
            }
            let url = "\(https == nil ? "http" : "https")://127.0.0.1:\(port)\(readyPath)"
            let ready = await poll(timeout: Self.startupTimeout, every: .milliseconds(50)) {
                guard process.isRunning else { return true }
                let answer = try? await HTTP.send(.GET, url, timeout: .seconds(2), client: https ?? .shared)
                return answer?.status == 200 && PortOwner.isListening(pid: process.pid, port: port)
            }
            if ready != nil, process.isRunning { return (process, port) }
            let log = process.logTail()
            await process.stop(grace: .seconds(2))
            if fixedPort == nil, attempt < 3, log.contains("in use") { continue }
            throw HarnessError("\(name) did not become ready on \(url) within \(Self.startupTimeout)\n\(log)")
        }
    }

    func mockUpstream(
        _ name: String = "mock-upstream", models: [String] = ["mock-echo"], chunkDelay: String? = nil, delay: String? = nil,
        failStatus: Int? = nil, failHeaders: [String] = [], streamCutAfter: Int? = nil, anthropic: Bool = false,
        tls: TestCertificates? = nil, leaf: TestCertificates.Leaf = .server
    ) async throws -> MockUpstream {
        var options = ["--models", models.joined(separator: ",")]
        if let tls { options += ["--tls-cert-file", tls.certificate(leaf).path, "--tls-key-file", tls.key(leaf).path] }
        if anthropic { options.append("--anthropic") }
        if let chunkDelay { options += ["--chunk-delay", chunkDelay] }
        if let delay { options += ["--delay", delay] }
        if let failStatus { options += ["--fail-status", String(failStatus)] }
        for header in failHeaders { options += ["--fail-header", header] }
        if let streamCutAfter { options += ["--stream-cut-after", String(streamCutAfter)] }
        let (process, port) = try await startServer(
            name, executable: Executables.gateway, readyPath: "/healthz",
            arguments: { ["mock-upstream", "--host", "127.0.0.1", "--port", String($0)] + options },
            stopGrace: .seconds(1), https: tls.map { _ in TestCertificates.unverifiedClient })  // its graceful shutdown would wait out a --delay; nothing to check there
        return MockUpstream(name: name, port: port, process: process)
    }

    /// A dev runtime; with `tls`, serving HTTPS with `tls`'s certificate (`leaf` picks which).
    func tokenRuntime(
        _ name: String = "token-runtime", port: Int? = nil, environment extra: [String: String] = [:], tls: TestCertificates? = nil,
        leaf: TestCertificates.Leaf = .server, softOpenFileLimit: Int? = nil
    ) async throws -> TokenRuntime {
        var extra = extra
        if let tls {
            extra["TOKEN_RUNTIME_TLS_CERT_FILE"] = tls.certificate(leaf).path
            extra["TOKEN_RUNTIME_TLS_KEY_FILE"] = tls.key(leaf).path
        }
        let (process, port) = try await startServer(
            name, executable: Executables.runtime, port: port, readyPath: "/readyz",
            environment: { port in
                [
                    "TOKEN_RUNTIME_ENV": "dev", "TOKEN_RUNTIME_HOST": "127.0.0.1", "TOKEN_RUNTIME_PORT": String(port),
                    "TOKEN_RUNTIME_ADMIN_KEY": Self.adminKey, "TOKEN_RUNTIME_INTROSPECTION_SECRET": Self.introspectionSecret,
                    "TOKEN_RUNTIME_LOG_LEVEL": "warning",
                ].merging(extra) { _, new in new }
            }, https: tls.map { leaf == .server ? $0.client : TestCertificates.unverifiedClient }, softOpenFileLimit: softOpenFileLimit)
        return TokenRuntime(port: port, process: process, scheme: tls == nil ? "http" : "https", client: tls?.client ?? .shared)
    }

    /// A gateway in dev mode, remote introspection against `runtime`, with a providers file of
    /// `providers`; with `tls`, serving HTTPS and trusting the test CA for an https runtime.
    func gateway(
        _ name: String = "gateway", runtime: TokenRuntime, providers: [ProviderEntry], environment extra: [String: String] = [:],
        tls: TestCertificates? = nil, readyPath: String = "/readyz", softOpenFileLimit: Int? = nil
    ) async throws -> GatewayProcess {
        var extra = extra
        if let tls {
            extra["GATEWAY_TLS_CERT_FILE"] = tls.certificate(.server).path
            extra["GATEWAY_TLS_KEY_FILE"] = tls.key(.server).path
            extra["GATEWAY_TOKEN_RUNTIME_CA_FILE"] = tls.caFile.path
        }
        let file = directory.appendingPathComponent("providers-\(UUID().uuidString.prefix(8)).json")
        try ProviderEntry.file(providers).write(to: file)
        let (process, port) = try await startServer(
            name, executable: Executables.gateway, readyPath: readyPath,
            environment: { port in
                [
                    "GATEWAY_ENV": "dev", "GATEWAY_HOST": "127.0.0.1", "GATEWAY_PORT": String(port),
                    "GATEWAY_TOKEN_RUNTIME_MODE": "remote_introspection", "GATEWAY_TOKEN_RUNTIME_URL": runtime.baseURL,
                    "GATEWAY_TOKEN_RUNTIME_SECRET": Self.introspectionSecret, "GATEWAY_PROVIDERS_FILE": file.path,
                    "GATEWAY_SHUTDOWN_GRACE": "2s", "GATEWAY_LOG_LEVEL": "notice",
                ].merging(extra) { _, new in new }
            }, https: tls?.client, softOpenFileLimit: softOpenFileLimit)
        return GatewayProcess(port: port, process: process, scheme: tls == nil ? "http" : "https", client: tls?.client ?? .shared)
    }

    /// Stops every child (concurrently: SIGTERM, then SIGKILL after a grace).
    func stopAll() async {
        let all = children.withLock { $0 }
        await withTaskGroup(of: Void.self) { group in
            for child in all { group.addTask { await child.stop() } }
        }
    }

    /// Every child's state and log tail.
    func diagnostics() -> String {
        children.withLock { $0 }.map { $0.logTail() }.joined(separator: "\n")
    }

    /// For `#expect(..., stack.logs)`: evaluated only when the expectation fails.
    var logs: Comment { Comment(rawValue: "process logs:\n" + diagnostics()) }

    /// `message`, then every child's log tail.
    func logs(_ message: String) -> Comment { Comment(rawValue: message + "\nprocess logs:\n" + diagnostics()) }
}

// MARK: the services

struct MockUpstream: Sendable {
    let name: String
    let port: Int
    let process: ManagedProcess

    /// The completion, completions and embeddings requests it has received (`GET /mock/requests`).
    func requests() async throws -> Int {
        let answer = try await HTTP.send(.GET, "http://127.0.0.1:\(port)/mock/requests")
        guard answer.status == 200, let count = answer.json["requests"] as? Int else {
            throw HarnessError("\(name): /mock/requests answered \(answer)")
        }
        return count
    }
}

/// An entry of the gateway's providers file: an `openai` (or `anthropic`) provider at 127.0.0.1:port.
struct ProviderEntry: Sendable {
    var name: String
    var port: Int
    var models: [String] = ["mock-echo"]
    var timeout = "30s"
    /// This provider's prices by model (`input_per_mtok`, ...), as the providers file takes them.
    var prices: [String: [String: String]]? = nil
    var type = "openai"
    /// `https` for a mock serving TLS.
    var scheme = "http"

    static func file(_ entries: [ProviderEntry]) throws -> Data {
        let providers = entries.map { entry -> [String: Any] in
            var provider: [String: Any] = [
                "name": entry.name, "type": entry.type, "base_url": "\(entry.scheme)://127.0.0.1:\(entry.port)", "api_key": "sk-integration-test",
                "models": entry.models, "timeout": entry.timeout,
            ]
            if let prices = entry.prices { provider["prices"] = prices }
            return provider
        }
        return try JSONSerialization.data(withJSONObject: ["providers": providers], options: [.prettyPrinted])
    }
}

struct IssuedToken: Sendable {
    var token: String
    var id: String
    var expiresAt: Int
}

struct TokenRuntime: Sendable {
    let port: Int
    let process: ManagedProcess
    var scheme = "http"
    /// Trusts the test CA when the runtime serves HTTPS.
    var client: HTTPClient = .shared

    var baseURL: String { "\(scheme)://127.0.0.1:\(port)" }

    private var admin: [(String, String)] {
        [("Authorization", "Bearer \(TestStack.adminKey)"), ("Content-Type", "application/json")]
    }

    /// `POST /v1/tokens` with the admin key.
    /// The runtime's admin `GET /v1/usage` for one token (all of its usage, one row).
    func usage(tokenID: String) async throws -> [String: Any] {
        let answer = try await HTTP.send(.GET, baseURL + "/v1/usage?token_id=\(tokenID)", headers: admin, timeout: .seconds(15), client: client)
        return (answer.json["data"] as? [[String: Any]])?.first ?? [:]
    }

    func issue(
        subject: String = "integration", ttlSeconds: Int? = nil, models: [String]? = nil, claims: [String: Any] = [:]
    ) async throws -> IssuedToken {
        var body: [String: Any] = claims
        body["subject"] = subject
        if let ttlSeconds { body["ttl_seconds"] = ttlSeconds }
        if let models { body["models"] = models }
        let answer = try await HTTP.send(.POST, baseURL + "/v1/tokens", headers: admin, body: HTTP.json(body), client: client)
        guard answer.status == 201, let token = answer.json["token"] as? String, let id = answer.json["id"] as? String,
            let expiresAt = answer.json["expires_at"] as? Int
        else { throw HarnessError("issuing a token failed: \(answer)") }
        return IssuedToken(token: token, id: id, expiresAt: expiresAt)
    }

    /// `PATCH /v1/tokens/{id}` with the admin key.
    func patch(_ id: String, _ changes: [String: Any]) async throws {
        let answer = try await HTTP.send(.PATCH, baseURL + "/v1/tokens/\(id)", headers: admin, body: HTTP.json(changes), client: client)
        guard answer.status == 200 else { throw HarnessError("patching \(id) failed: \(answer)") }
    }

    /// `POST /v1/tokens/{id}/revoke` with the admin key.
    func revoke(_ id: String) async throws {
        let answer = try await HTTP.send(.POST, baseURL + "/v1/tokens/\(id)/revoke", headers: admin, client: client)
        guard answer.status == 200, answer.json["status"] as? String == "revoked" else {
            throw HarnessError("revoking \(id) failed: \(answer)")
        }
    }
}

struct GatewayProcess: Sendable {
    let port: Int
    let process: ManagedProcess
    var scheme = "http"
    /// Trusts the test CA when the gateway serves HTTPS.
    var client: HTTPClient = .shared

    var baseURL: String { "\(scheme)://127.0.0.1:\(port)" }

    static func auth(_ token: String) -> [(String, String)] {
        [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")]
    }

    func post(_ path: String, token: String, body: ByteBuffer, timeout: Duration = .seconds(15)) async throws -> HTTPResult {
        try await HTTP.send(.POST, baseURL + path, headers: Self.auth(token), body: body, timeout: timeout, client: client)
    }

    func get(_ path: String, token: String? = nil, timeout: Duration = .seconds(15)) async throws -> HTTPResult {
        try await HTTP.send(
            .GET, baseURL + path, headers: token.map { [("Authorization", "Bearer \($0)")] } ?? [], timeout: timeout, client: client)
    }

    /// One plain chat completion.
    func chat(_ token: String, _ text: String = "hello there", model: String = "mock-echo") async throws -> HTTPResult {
        try await post("/v1/chat/completions", token: token, body: Bodies.chat(text, model: model))
    }

    /// A sample of `/metrics`, by its full series name with labels in any order, e.g.
    /// `metric("gateway_upstream_duration_seconds_count", ["provider": "dead", "outcome": "error"])`; 0 when absent.
    func metric(_ name: String, _ labels: [String: String] = [:]) async throws -> Double {
        let text = try await get("/metrics").body
        var total = 0.0
        for line in text.split(separator: "\n") where line.hasPrefix(name) && !line.hasPrefix("#") {
            let rest = line.dropFirst(name.count)
            guard rest.first == "{" || rest.first == " " else { continue }
            let matches = labels.allSatisfy { rest.contains("\($0.key)=\"\($0.value)\"") }
            if matches, let value = line.split(separator: " ").last.flatMap({ Double($0) }) { total += value }
        }
        return total
    }
}

/// A counting semaphore for async code (FIFO).
final class AsyncSemaphore: Sendable {
    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(_ permits: Int) { state = Mutex(State(available: permits)) }

    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state -> Bool in
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.available += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
