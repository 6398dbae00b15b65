import Foundation
import Testing
import TokenProtocol

/// The built executables end to end: platform-token-runtime issues a token through its admin API,
/// a gateway (remote introspection) serves it against `gateway mock-upstream`.
@Suite struct EndToEndTests {
    @Test func happyPathThroughTheGateway() async throws {
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let upstreamStart = stack.mockUpstream(models: ["mock-echo", "mock-alt"])
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            let gateway = try await stack.gateway(
                runtime: runtime, providers: [ProviderEntry(name: "mock", port: upstream.port, models: ["mock-echo", "mock-alt"])])

            let issued = try await runtime.issue(subject: "happy-path")
            #expect(TokenFormat.isWellFormed(issued.token))
            let token = issued.token

            // Plain chat completion, with the client's request id kept.
            let chat = try await HTTP.send(
                .POST, gateway.baseURL + "/v1/chat/completions",
                headers: GatewayProcess.auth(token) + [("x-request-id", "it-happy-1")], body: Bodies.chat("hello there"))
            #expect(chat.status == 200, stack.logs("\(chat)"))
            #expect(chat.json["object"] as? String == "chat.completion")
            let message = ((chat.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])
            #expect(message?["content"] as? String == "hello there")
            #expect((chat.json["usage"] as? [String: Any])?["total_tokens"] as? Int == 4)
            #expect(chat.headers.first(name: "x-request-id") == "it-happy-1")

            // Streaming chat completion: events chunk by chunk, the deltas rebuild the text, then [DONE].
            let stream = try await gateway.post("/v1/chat/completions", token: token, body: Bodies.chat("one two three four", stream: true))
            #expect(stream.status == 200, stack.logs("\(stream)"))
            #expect(stream.headers.first(name: "content-type")?.hasPrefix("text/event-stream") == true)
            #expect(stream.headers.first(name: "cache-control") == "no-cache")
            #expect(stream.body.hasSuffix("data: [DONE]\n\n"), "\(stream)")
            let events = SSE.dataEvents(stream.body)
            #expect(events.count >= 5, "\(stream)")
            #expect(SSE.chatDeltaText(events) == "one two three four")
            #expect(events.contains { ($0["usage"] as? [String: Any])?["completion_tokens"] as? Int == 4 })

            // Completion.
            let completion = try await gateway.post("/v1/completions", token: token, body: Bodies.completion("complete me"))
            #expect(completion.status == 200, "\(completion)")
            #expect(completion.json["object"] as? String == "text_completion")
            #expect((completion.json["choices"] as? [[String: Any]])?.first?["text"] as? String == "complete me")

            // Embeddings: one vector per input.
            let embeddings = try await gateway.post("/v1/embeddings", token: token, body: Bodies.embeddings(["first text", "second text"]))
            #expect(embeddings.status == 200, "\(embeddings)")
            let vectors = (embeddings.json["data"] as? [[String: Any]])?.compactMap { $0["embedding"] as? [Double] } ?? []
            #expect(vectors.count == 2)
            #expect(vectors.allSatisfy { $0.count == 8 && $0.allSatisfy { (-1...1).contains($0) } })
            #expect(vectors.first != vectors.last)

            // Models: the providers' union, sorted, in OpenAI's list format.
            let models = try await gateway.get("/v1/models", token: token)
            #expect(models.status == 200, "\(models)")
            #expect(models.json["object"] as? String == "list")
            #expect((models.json["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["mock-alt", "mock-echo"])

            // The /api/v1 aliases behave the same.
            let aliased = try await gateway.post("/api/v1/chat/completions", token: token, body: Bodies.chat("via the alias"))
            #expect(aliased.status == 200, "\(aliased)")
            let aliasedMessage = (aliased.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any]
            #expect(aliasedMessage?["content"] as? String == "via the alias")
            let aliasedModels = try await gateway.get("/api/v1/models", token: token)
            #expect(aliasedModels.status == 200)
            #expect(aliasedModels.body == models.body)

            // Without a token, or with a well-formed token nobody issued: 401 with WWW-Authenticate.
            let missing = try await HTTP.send(
                .POST, gateway.baseURL + "/v1/chat/completions", headers: [("Content-Type", "application/json")], body: Bodies.chat())
            #expect(missing.status == 401 && missing.isOpenAIError, "\(missing)")
            #expect(missing.headers.first(name: "www-authenticate")?.contains("invalid_token") == true)
            let forged = try await gateway.chat(TokenFormat.generate())
            #expect(forged.status == 401 && forged.isOpenAIError, "\(forged)")
            #expect(forged.errorCode == "invalid_api_key", "\(forged)")

            // Health and metrics answer without a token; the five proxied calls above were counted
            // (models are answered by the gateway itself).
            #expect(try await gateway.get("/healthz").status == 200)
            let upstreamCalls = try await gateway.metric("gateway_upstream_duration_seconds_count", ["provider": "mock", "outcome": "ok"])
            let metricsText = try await gateway.get("/metrics").body
            #expect(upstreamCalls == 5, stack.logs(metricsText))

            // SIGTERM: a graceful exit with status 0, within the shutdown grace (2 s) and then some.
            kill(gateway.process.pid, SIGTERM)
            let status = await gateway.process.waitForExit(timeout: .seconds(15))
            #expect(status == 0, stack.logs("gateway did not exit cleanly on SIGTERM"))
        }
    }

    /// The official OpenAI Python SDK, unchanged, against the live gateway (Tests/sdk/openai_sdk_check.py).
    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["LJQ_PYTHON"].map { !$0.isEmpty } ?? false,
            "set LJQ_PYTHON to a Python interpreter that has the openai package"),
        .timeLimit(.minutes(2)))
    func openAIPythonSDKAgainstTheLiveGateway() async throws {
        let python = URL(fileURLWithPath: try #require(ProcessInfo.processInfo.environment["LJQ_PYTHON"]))
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("sdk/openai_sdk_check.py")
        try #require(FileManager.default.fileExists(atPath: script.path), "missing \(script.path)")
        try await TestStack.run { stack in
            async let runtimeStart = stack.tokenRuntime()
            async let upstreamStart = stack.mockUpstream()
            let (runtime, upstream) = try await (runtimeStart, upstreamStart)
            let gateway = try await stack.gateway(runtime: runtime, providers: [ProviderEntry(name: "mock", port: upstream.port)])
            let token = try await runtime.issue(subject: "openai-python-sdk").token

            let check = try stack.launch(
                "openai-sdk-check", executableURL: python, arguments: [script.path],
                environment: [
                    "LJQ_GATEWAY_BASE_URL": gateway.baseURL + "/v1", "LJQ_TOKEN": token, "PYTHONUNBUFFERED": "1", "LJQ_EXPECT_USAGE": "1",
                ])
            let status = await check.waitForExit(timeout: .seconds(90))
            #expect(status == 0, stack.logs("the SDK check failed or timed out"))
            #expect(check.stdout.contains("SDK OK"), stack.logs)
        }
    }
}

/// Server-sent events as OpenAI streams them.
enum SSE {
    /// The JSON objects of every `data:` line but `[DONE]`.
    static func dataEvents(_ body: String) -> [[String: Any]] {
        body.split(separator: "\n").compactMap { line -> [String: Any]? in
            guard line.hasPrefix("data: "), line != "data: [DONE]" else { return nil }
            return (try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8))) as? [String: Any]
        }
    }

    /// The concatenated `choices[0].delta.content` of chat completion chunks.
    static func chatDeltaText(_ events: [[String: Any]]) -> String {
        events.compactMap { event in
            ((event["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String
        }.joined()
    }
}
