import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// Many long streams at once toward one provider host: no hidden cap on provider connections, and
/// an explicit cap that queues instead of failing (`GATEWAY_HTTP_MAX_CONNS_PER_HOST`,
/// `GATEWAY_HTTP_POOL_WAIT`).
@Suite struct ConcurrentStreamsTests {
    /// A client of its own: the shared one queues beyond 8 connections per host.
    static func withClient<T>(_ body: (HTTPClient) async throws -> T) async throws -> T {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 5_000)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(30))
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// `count` streamed chat requests at once; each result is (status, complete stream, error code, Retry-After).
    /// They start spread evenly over `ramp` (a burst of hundreds of connections in the same
    /// millisecond would mostly measure the test machine's accept queue).
    static func streams(
        _ count: Int, words: Int, gateway: GatewayProcess, token: String, client: HTTPClient, ramp: Duration = .zero
    ) async throws -> [(status: Int, complete: Bool, code: String?, retryAfter: String?)] {
        let text = (1...words).map { "word\($0)" }.joined(separator: " ")
        return try await withThrowingTaskGroup(of: (Int, Bool, String?, String?).self) { group in
            for index in 0..<count {
                group.addTask {
                    try await Task.sleep(for: ramp * (Double(index) / Double(count)))
                    let answer = try await HTTP.send(
                        .POST, gateway.baseURL + "/v1/chat/completions", headers: GatewayProcess.auth(token),
                        body: Bodies.chat(text, stream: true), timeout: .seconds(90), client: client)
                    // Complete: every word arrived, then the usage chunk and the end marker.
                    let complete =
                        answer.status == 200 && answer.body.contains("word\(words)") && answer.body.contains("\"usage\"")
                        && answer.body.hasSuffix("data: [DONE]\n\n")
                    return (answer.status, complete, answer.errorCode, answer.headers.first(name: "retry-after"))
                }
            }
            var results: [(status: Int, complete: Bool, code: String?, retryAfter: String?)] = []
            for try await result in group { results.append(result) }
            return results
        }
    }

    /// Default configuration: 600 streams of about 4 s, all started within 1.5 s so that all 600
    /// are open at once (three times the old hidden cap of 2 loops x 100 connections), all answer
    /// 200 with the whole stream.
    @Test func sixHundredConcurrentStreamsAllComplete() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let upstreamStart = stack.mockUpstream("mock-slow-stream", chunkDelay: "250ms")
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            // A generous read timeout: on a loaded CI machine (the other suites run beside this one)
            // a mock answering 600 streams can be slow; what is tested is that no request waits for
            // a connection, not how fast a starved mock answers. The dial timeout stays at its
            // default (2 s): a request queued behind a hidden cap fails on it, as it did before.
            let gateway = try await stack.gateway(
                runtime: runtime, providers: [ProviderEntry(name: "slow", port: upstream.port)],
                environment: ["GATEWAY_HTTP_READ_TIMEOUT": "30s"])
            let token = try await runtime.issue(subject: "many-streams").token

            let results = try await Self.withClient { client in
                try await Self.streams(600, words: 14, gateway: gateway, token: token, client: client, ramp: .milliseconds(1500))
            }
            let failures = results.filter { !$0.complete }
            #expect(results.count == 600)
            #expect(
                failures.count == 0,
                stack.logs("\(failures.count) of 600 streams failed, e.g. \(failures.prefix(3).map { "\($0.status) \($0.code ?? "")" })"))
            #expect(try await gateway.metric("gateway_upstream_duration_seconds_count", ["outcome": "ok"]) == 600)
            #expect(gateway.process.isRunning)
        }
    }

    /// `GATEWAY_HTTP_MAX_CONNS_PER_HOST=10`: 30 one-second streams queue for the 10 connections and
    /// all succeed. With `GATEWAY_HTTP_POOL_WAIT=200ms` as well, the 20 that find no connection in
    /// time get 503 `upstream_busy` with Retry-After, and the provider is not counted as failing.
    @Test func anExplicitCapQueuesThenAnswersBusy() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let upstreamStart = stack.mockUpstream("mock-one-second-stream", chunkDelay: "200ms")
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            let providers = [ProviderEntry(name: "capped", port: upstream.port)]
            async let queueingStart = stack.gateway(
                "gateway-queueing", runtime: runtime, providers: providers,
                environment: ["GATEWAY_HTTP_MAX_CONNS_PER_HOST": "10"])
            async let impatientStart = stack.gateway(
                "gateway-impatient", runtime: runtime, providers: providers,
                environment: [
                    "GATEWAY_HTTP_MAX_CONNS_PER_HOST": "10", "GATEWAY_HTTP_POOL_WAIT": "200ms",
                    "GATEWAY_ROUTING_STRATEGY": "availability",
                ])
            let (queueing, impatient) = try await (queueingStart, impatientStart)
            let token = try await runtime.issue(subject: "capped-streams").token

            try await Self.withClient { client in
                // Four words: about a second of streaming each (5 pauses of 200 ms).
                let queued = try await Self.streams(30, words: 4, gateway: queueing, token: token, client: client)
                #expect(queued.filter(\.complete).count == 30, stack.logs("\(queued.map(\.status))"))
                #expect(try await queueing.metric("gateway_upstream_pool_wait_seconds_count", ["provider": "capped"]) >= 20)

                let hurried = try await Self.streams(30, words: 4, gateway: impatient, token: token, client: client)
                let served = hurried.filter(\.complete)
                let busy = hurried.filter { $0.status == 503 }
                #expect(served.count == 10, stack.logs("\(hurried.map(\.status))"))
                #expect(busy.count == 20, stack.logs("\(hurried.map(\.status))"))
                #expect(busy.allSatisfy { $0.code == "upstream_busy" && $0.retryAfter == "1" }, "\(busy)")
            }
            #expect(try await impatient.metric("gateway_upstream_busy_total", ["provider": "capped", "reason": "pool_wait"]) == 20)
            // Busy is not a failure: routing saw only successes, so the provider is not cooling down
            // and keeps answering.
            for outcome in ["error", "timeout"] {
                #expect(try await impatient.metric("gateway_upstream_duration_seconds_count", ["outcome": outcome]) == 0)
            }
            for index in 0..<3 {
                let answer = try await impatient.chat(token, "after the rush \(index)")
                #expect(answer.status == 200, stack.logs("\(answer)"))
            }
            #expect(try await impatient.metric("gateway_upstream_duration_seconds_count", ["provider": "capped", "outcome": "ok"]) == 13)
        }
    }

    /// Both executables, started with a soft open-file limit of 256, run with it raised to the hard
    /// limit and say so in `/readyz`.
    @Test func bothServicesRaiseTheirOpenFileLimit() async throws {
        try await TestStack.run { stack in
            let hard = try Self.openFileLimits(pid: "self").hard
            try #require(hard > 256, "the hard open-file limit here (\(hard)) leaves nothing to raise")
            let runtime = try await stack.tokenRuntime(softOpenFileLimit: 256)
            let upstream = try await stack.mockUpstream()
            let gateway = try await stack.gateway(
                runtime: runtime, providers: [ProviderEntry(name: "mock", port: upstream.port)], softOpenFileLimit: 256)
            for (name, process, url) in [("gateway", gateway.process, gateway.baseURL), ("runtime", runtime.process, runtime.baseURL)] {
                let limits = try Self.openFileLimits(pid: String(process.pid))
                #expect(limits.soft == hard && limits.hard == hard, "\(name): \(limits)")
                let ready = try await HTTP.send(.GET, url + "/readyz")
                #expect(ready.json["open_files_limit"].map { "\($0)" } == String(hard), "\(name): \(ready)")
            }
        }
    }

    /// A process's open-file limits, from /proc (so the test shares no code with the product).
    static func openFileLimits(pid: String) throws -> (soft: UInt64, hard: UInt64) {
        let limits = try String(contentsOfFile: "/proc/\(pid)/limits", encoding: .utf8)
        let line = limits.split(separator: "\n").first { $0.hasPrefix("Max open files") } ?? ""
        let numbers = line.split(separator: " ").compactMap { UInt64($0) }
        guard numbers.count == 2 else { throw HarnessError("no open-file limits in /proc/\(pid)/limits: \(line)") }
        return (numbers[0], numbers[1])
    }
}
