import Foundation
import Testing

/// Providers refusing on their own account (rate limits, our key rejected, server errors) behind a
/// real gateway process: the request moves to the next provider serving the model; the request's
/// own errors pass through. Two mock upstreams serve one model, with `round_robin` routing (each
/// request starts at the next provider in turn, so without fallback every second one would fail).
@Suite struct ProviderRefusalTests {
    static let attempts = "gateway_upstream_attempts_total"
    static let rr = ["GATEWAY_ROUTING_STRATEGY": "round_robin"]

    /// `/readyz`'s `providers_out` entries.
    static func providersOut(_ gateway: GatewayProcess) async throws -> [[String: Any]] {
        let ready = try await gateway.get("/readyz")
        #expect(ready.status == 200, "\(ready)")
        return ready.json["providers_out"] as? [[String: Any]] ?? []
    }

    @Test func aRateLimitedProviderIsTriedOnceThenCooledDownForItsRetryAfter() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let limitedStart = stack.mockUpstream("mock-429", failStatus: 429, failHeaders: ["retry-after: 7"])
            async let healthyStart = stack.mockUpstream("mock-healthy")
            let (runtime, limited, healthy) = try await (runtimeStart, limitedStart, healthyStart)
            let gateway = try await stack.gateway(
                runtime: runtime,
                providers: [ProviderEntry(name: "limited", port: limited.port), ProviderEntry(name: "healthy", port: healthy.port)],
                environment: Self.rr)
            let token = try await runtime.issue(subject: "rate-limited-provider").token

            var statuses: [Int] = []
            for index in 0..<10 { statuses.append(try await gateway.chat(token, "request \(index)").status) }
            #expect(statuses == Array(repeating: 200, count: 10), stack.logs)
            #expect(try await limited.requests() == 1, stack.logs("the rate-limited provider was tried during its cooldown"))
            #expect(try await healthy.requests() == 10)

            let out = try await Self.providersOut(gateway)
            #expect(out.count == 1, "\(out)")
            #expect(out.first?["provider"] as? String == "limited")
            #expect(out.first?["reason"] as? String == "rate_limited")
            #expect(out.first?["model"] as? String == "mock-echo")  // the mock's message names the model
            let left = out.first?["retry_in_seconds"] as? Double ?? 0
            #expect(left > 0 && left <= 7, "\(out)")

            #expect(try await gateway.metric(Self.attempts, ["provider": "limited", "outcome": "rate_limited"]) == 1)
            #expect(try await gateway.metric(Self.attempts, ["provider": "healthy", "outcome": "ok"]) == 10)
            #expect(try await gateway.metric("gateway_fallbacks_total", ["reason": "rate_limited"]) == 1)
            #expect(try await gateway.metric("gateway_providers_in_cooldown", ["reason": "rate_limited"]) == 1)
        }
    }

    @Test func everyProviderRateLimitedIs429WithTheShortestRetryAfter() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let slowStart = stack.mockUpstream("mock-429-7s", failStatus: 429, failHeaders: ["retry-after: 7"])
            async let soonStart = stack.mockUpstream("mock-429-3s", failStatus: 429, failHeaders: ["retry-after-ms: 2500"])
            let (runtime, slow, soon) = try await (runtimeStart, slowStart, soonStart)
            let gateway = try await stack.gateway(
                runtime: runtime, providers: [ProviderEntry(name: "a", port: slow.port), ProviderEntry(name: "b", port: soon.port)],
                environment: Self.rr)
            let token = try await runtime.issue(subject: "all-rate-limited").token

            let first = try await gateway.chat(token)
            #expect(first.status == 429, stack.logs("\(first)"))
            #expect(first.errorCode == "rate_limit_exceeded")
            #expect(first.headers.first(name: "retry-after") == "3", "\(first.headers)")
            #expect(!first.body.contains("org-mock"), "the provider's own message reached the client: \(first)")
            #expect(try await slow.requests() == 1)
            #expect(try await soon.requests() == 1)

            // Both cooling down: answered at once, without asking them again.
            let second = try await gateway.chat(token)
            #expect(second.status == 429, "\(second)")
            let retry = Int(second.headers.first(name: "retry-after") ?? "") ?? 0
            #expect((1...3).contains(retry), "\(second.headers)")
            #expect(try await slow.requests() == 1)
            #expect(try await soon.requests() == 1)
        }
    }

    @Test func aProviderRejectingTheGatewaysKeyIsTakenOutAndNamedByReadyz() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let revokedStart = stack.mockUpstream("mock-401", failStatus: 401)
            async let healthyStart = stack.mockUpstream("mock-healthy")
            let (runtime, revoked, healthy) = try await (runtimeStart, revokedStart, healthyStart)
            async let bothStart = stack.gateway(
                "gateway-both", runtime: runtime,
                providers: [ProviderEntry(name: "revoked", port: revoked.port), ProviderEntry(name: "healthy", port: healthy.port)],
                environment: Self.rr)
            async let onlyStart = stack.gateway(
                "gateway-only-revoked", runtime: runtime, providers: [ProviderEntry(name: "revoked", port: revoked.port)])
            let (both, only) = try await (bothStart, onlyStart)
            let token = try await runtime.issue(subject: "revoked-provider-key").token

            var answers: [HTTPResult] = []
            for index in 0..<10 { answers.append(try await both.chat(token, "request \(index)")) }
            #expect(answers.map(\.status) == Array(repeating: 200, count: 10), stack.logs)
            #expect(try await revoked.requests() == 1, "a provider that rejected our key was tried again")
            #expect(!answers.contains { $0.body.contains("Incorrect API key") || $0.body.contains("sk-integ") })

            let out = try await Self.providersOut(both)
            #expect(out.count == 1, "\(out)")
            #expect(out.first?["provider"] as? String == "revoked")
            #expect(out.first?["reason"] as? String == "credentials_rejected")
            #expect(out.first?["status"] as? Int == 401)
            #expect(try await both.metric(Self.attempts, ["provider": "revoked", "outcome": "credentials_rejected"]) == 1)
            #expect(try await both.metric("gateway_providers_in_cooldown", ["reason": "credentials_rejected"]) == 1)
            // Logged once (at most once a minute), naming the provider.
            let logged = both.process.stdout + both.process.stderr
            #expect(logged.components(separatedBy: "rejected the gateway's API key").count - 1 == 1, stack.logs)
            #expect(logged.contains("provider=revoked"), stack.logs)

            // When it is the only provider: 502 saying so, never the provider's message (it quotes the key).
            for _ in 0..<2 {
                let answer = try await only.chat(token)
                #expect(answer.status == 502, "\(answer)")
                #expect(answer.errorCode == "upstream_credentials_rejected")
                #expect(answer.body.contains("rejected the gateway's credentials"), "\(answer)")
                #expect(!answer.body.contains("sk-integ") && !answer.body.contains("Incorrect API key"), "\(answer)")
            }
            #expect(try await revoked.requests() == 2, "the out provider was asked again")
        }
    }

    @Test func aProviderAnswering500IsFallenBackFrom() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let brokenStart = stack.mockUpstream("mock-500", failStatus: 500)
            async let healthyStart = stack.mockUpstream("mock-healthy")
            let (runtime, broken, healthy) = try await (runtimeStart, brokenStart, healthyStart)
            let gateway = try await stack.gateway(
                runtime: runtime,
                providers: [ProviderEntry(name: "broken", port: broken.port), ProviderEntry(name: "healthy", port: healthy.port)],
                environment: Self.rr)
            let token = try await runtime.issue(subject: "failing-provider").token

            var statuses: [Int] = []
            for index in 0..<10 { statuses.append(try await gateway.chat(token, "request \(index)").status) }
            #expect(statuses == Array(repeating: 200, count: 10), stack.logs)
            #expect(try await healthy.requests() == 10)
            #expect(try await broken.requests() >= 1)
            #expect(try await gateway.metric("gateway_fallbacks_total", ["reason": "server_error"]) == Double(try await broken.requests()))
        }
    }

    @Test func theRequestsOwn400PassesThroughWithoutTryingAnotherProvider() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let pickyStart = stack.mockUpstream("mock-400", failStatus: 400)
            async let healthyStart = stack.mockUpstream("mock-healthy")
            let (runtime, picky, healthy) = try await (runtimeStart, pickyStart, healthyStart)
            let gateway = try await stack.gateway(
                runtime: runtime,
                providers: [ProviderEntry(name: "picky", port: picky.port), ProviderEntry(name: "healthy", port: healthy.port)],
                environment: Self.rr)
            let token = try await runtime.issue(subject: "bad-request").token

            var answers: [HTTPResult] = []
            for _ in 0..<4 { answers.append(try await gateway.chat(token)) }
            // Round robin starts at picky, healthy, picky, healthy: picky's 400s are the answers.
            #expect(answers.map(\.status) == [400, 200, 400, 200], stack.logs)
            let expected = try await HTTP.send(
                .POST, "http://127.0.0.1:\(picky.port)/v1/chat/completions", headers: [("Content-Type", "application/json")],
                body: Bodies.chat())
            #expect(answers[0].body == expected.body, "the 400 was not passed through unchanged")
            #expect(answers[0].errorCode == "invalid_type")
            #expect(try await healthy.requests() == 2, "a 400 moved the request to another provider")
            #expect(try await gateway.metric(Self.attempts, ["provider": "picky", "outcome": "passed_through"]) == 2)
        }
    }

    /// Fallback only before the first byte; a provider failing mid-stream ends the stream with an
    /// error event, and no second provider continues it.
    @Test func streamsFallBackBeforeTheFirstByteAndEndWithAnErrorEventWhenCutMidStream() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let limitedStart = stack.mockUpstream("mock-429", failStatus: 429)
            async let healthyStart = stack.mockUpstream("mock-healthy")
            async let cutStart = stack.mockUpstream("mock-cut", streamCutAfter: 2)
            async let spareStart = stack.mockUpstream("mock-spare")
            let (runtime, limited, healthy, cut, spare) = try await (runtimeStart, limitedStart, healthyStart, cutStart, spareStart)
            async let beforeStart = stack.gateway(
                "gateway-before", runtime: runtime,
                providers: [ProviderEntry(name: "limited", port: limited.port), ProviderEntry(name: "healthy", port: healthy.port)],
                environment: Self.rr)
            async let midStart = stack.gateway(
                "gateway-mid", runtime: runtime,
                providers: [ProviderEntry(name: "cut", port: cut.port), ProviderEntry(name: "spare", port: spare.port)],
                environment: Self.rr)
            let (before, mid) = try await (beforeStart, midStart)
            let token = try await runtime.issue(subject: "streams").token

            for _ in 0..<2 {
                let answer = try await before.post("/v1/chat/completions", token: token, body: Bodies.chat("one two three", stream: true))
                #expect(answer.status == 200, stack.logs("\(answer)"))
                #expect(SSE.chatDeltaText(SSE.dataEvents(answer.body)) == "one two three", "\(answer)")
                #expect(answer.body.hasSuffix("data: [DONE]\n\n"))
            }
            #expect(try await limited.requests() == 1)

            // Round robin starts at `cut`: two events, then the connection drops.
            let broken = try await mid.post("/v1/chat/completions", token: token, body: Bodies.chat("one two three", stream: true))
            #expect(broken.status == 200, stack.logs("\(broken)"))
            let events = SSE.dataEvents(broken.body)
            let last = events.last?["error"] as? [String: Any]
            #expect(last?["code"] as? String == "upstream_stream_error", stack.logs("\(broken)"))
            #expect(events.dropLast().allSatisfy { $0["error"] == nil })
            #expect(SSE.chatDeltaText(events) == "one", "\(broken)")  // the role event and one word
            #expect(!broken.body.contains("[DONE]"))
            #expect(try await spare.requests() == 0, "a second provider was asked mid-stream")
            #expect(try await mid.metric("gateway_upstream_stream_errors_total", ["provider": "cut"]) == 1)

            // The next stream starts at `spare` and is whole.
            let whole = try await mid.post("/v1/chat/completions", token: token, body: Bodies.chat("one two three", stream: true))
            #expect(SSE.chatDeltaText(SSE.dataEvents(whole.body)) == "one two three", "\(whole)")
        }
    }

    /// The OpenAI Python SDK, with its default retries, against a gateway whose only provider is
    /// rate limited: it raises RateLimitError carrying the gateway's Retry-After
    /// (Tests/sdk/openai_sdk_rate_limit_check.py).
    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["LJQ_PYTHON"].map { !$0.isEmpty } ?? false,
            "set LJQ_PYTHON to a Python interpreter that has the openai package"),
        .timeLimit(.minutes(2)))
    func openAIPythonSDKSeesRateLimitErrorWithTheGatewaysRetryAfter() async throws {
        let python = URL(fileURLWithPath: try #require(ProcessInfo.processInfo.environment["LJQ_PYTHON"]))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("sdk/openai_sdk_rate_limit_check.py")
        try #require(FileManager.default.fileExists(atPath: script.path), "missing \(script.path)")
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let upstreamStart = stack.mockUpstream("mock-429", failStatus: 429, failHeaders: ["retry-after: 1"])
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            let gateway = try await stack.gateway(runtime: runtime, providers: [ProviderEntry(name: "limited", port: upstream.port)])
            let token = try await runtime.issue(subject: "openai-python-sdk-429").token

            let check = try stack.launch(
                "openai-sdk-rate-limit-check", executableURL: python, arguments: [script.path],
                environment: ["LJQ_GATEWAY_BASE_URL": gateway.baseURL + "/v1", "LJQ_TOKEN": token, "PYTHONUNBUFFERED": "1"])
            let status = await check.waitForExit(timeout: .seconds(90))
            #expect(status == 0, stack.logs("the SDK check failed or timed out"))
            #expect(check.stdout.contains("SDK RATE LIMIT OK"), stack.logs)
            // The SDK retried (default max_retries=2) after the gateway's Retry-After: 3 requests, all 429.
            let answered429 = try await gateway.metric("gateway_requests_total", ["status": "429"])
            #expect(answered429 == 3, stack.logs)
            let asked = try await upstream.requests()
            #expect((1...3).contains(asked), "\(asked)")
        }
    }
}
