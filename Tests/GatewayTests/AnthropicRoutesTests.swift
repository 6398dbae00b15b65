import AsyncHTTPClient
import Foundation
import GatewayInProcessRuntime
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TokenProtocol
import TokenRuntime

@testable import Gateway

/// Anthropic's Messages API through real HTTP, both ways: `/v1/messages` to an `anthropic`
/// provider (``MockAnthropicServer``, natively) and to an OpenAI-compatible one (the built-in
/// `mock`, translated); OpenAI chat to an `anthropic` provider (translated). Both mocks count
/// usage in words, and the same request costs the same on both: system "be brief" (2 words,
/// cached) + user "hello there friend" (3 words) answered by the echo (3 words) is 5 prompt
/// tokens, 2 of them cached, and 3 completion tokens; at 3 / 0.30 cached / 15 USD per million
/// that is 3 x 3,000 + 2 x 300 + 3 x 15,000 = 54,600 nano-USD.
@Suite struct AnthropicRoutesTests {
    static let providerKey = "sk-ant-provider-key"
    static let prices = #"{"input_per_mtok":"3","cached_input_per_mtok":"0.30","output_per_mtok":"15"}"#
    static let expectedCost: Int64 = 3 * 3_000 + 2 * 300 + 3 * 15_000

    static func providers(anthropicPort: Int) -> String {
        #"{"providers":[{"name":"local","type":"mock","models":["mock-echo"],"prices":{"mock-echo":\#(prices)}},"#
            + #"{"name":"claude","type":"anthropic","base_url":"http://127.0.0.1:\#(anthropicPort)","api_key":"\#(providerKey)","#
            + #""models":["claude-mock"],"prices":{"claude-mock":\#(prices)}}]}"#
    }

    static func messages(_ model: String, stream: Bool = false, extra: String = "") -> ByteBuffer {
        ByteBuffer(
            string: #"{"model":"\#(model)","max_tokens":64,"stream":\#(stream),"system":"be brief","#
                + #""messages":[{"role":"user","content":"hello there friend"}]\#(extra)}"#)
    }

    struct Context: Sendable {
        let client: any TestClientProtocol
        let token: String
        let audit: InMemoryAuditSink
        let runtime: InProcessTokenRuntime
        let upstreamPort: Int

        var keyHeaders: HTTPFields { [HTTPField.Name("x-api-key")!: token, .contentType: "application/json"] }

        func post(_ path: String, _ body: ByteBuffer, headers: HTTPFields? = nil) async throws -> TestResponse {
            try await client.execute(uri: path, method: .post, headers: headers ?? keyHeaders, body: body)
        }

        func record(_ requestID: String?) async throws -> AuditRecord {
            let id = try #require(requestID)
            try await poll("the audit record of \(id)") { !audit.records(where: { $0.requestID == id && $0.status != 0 }).isEmpty }
            return try #require(audit.records(where: { $0.requestID == id }).last)
        }

        func upstream(_ path: String) async throws -> ByteBuffer {
            let response = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: "http://127.0.0.1:\(upstreamPort)\(path)"), timeout: .seconds(5))
            return try await response.body.collect(upTo: 1 << 20)
        }
    }

    func withGateway(
        _ server: MockAnthropicServer = MockAnthropicServer(apiKey: providerKey), env: [String: String] = [:],
        _ run: @escaping @Sendable (Context) async throws -> Void
    ) async throws {
        try await GatewayHarness.withUpstreams([{ server.buildRouter() }], ports: []) { ports in
            let audit = InMemoryAuditSink()
            let (gateway, token) = try await GatewayHarness.build(env, providers: Self.providers(anthropicPort: ports[0]), audit: audit)
            let runtime = try #require(gateway.verifier as? InProcessTokenRuntime)
            try await gateway.buildApplication().test(.live) { client in
                try await run(Context(client: client, token: token, audit: audit, runtime: runtime, upstreamPort: ports[0]))
            }
        }
    }

    /// `(event, data)` pairs of an Anthropic stream.
    static func events(_ body: ByteBuffer) -> [(name: String, data: [String: Any])] {
        String(buffer: body).components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { block in
            let lines = block.components(separatedBy: "\n")
            let name = lines.first { $0.hasPrefix("event: ") }.map { String($0.dropFirst(7)) } ?? ""
            let data = lines.first { $0.hasPrefix("data: ") }.map { ByteBuffer(string: String($0.dropFirst(6))).json } ?? [:]
            return (name, data)
        }
    }

    static func anthropicError(_ body: ByteBuffer) -> (type: String?, message: String?, requestID: String?) {
        let json = body.json
        let error = json["error"] as? [String: Any]
        #expect(json["type"] as? String == "error", "Anthropic's envelope: \(String(buffer: body))")
        return (error?["type"] as? String, error?["message"] as? String, json["request_id"] as? String)
    }

    // MARK: - /v1/messages to an OpenAI-compatible provider (translated)

    @Test func aMessageToAnOpenAIProviderAnswersInAnthropicsShapeAndIsChargedExactly() async throws {
        try await withGateway { gateway in
            let response = try await gateway.post("/v1/messages", Self.messages("mock-echo"))
            #expect(response.status == .ok)
            let message = response.body.json
            #expect(message["type"] as? String == "message")
            #expect(message["role"] as? String == "assistant")
            #expect(message["model"] as? String == "mock-echo")
            let content = message["content"] as? [[String: Any]]
            #expect(content?.count == 1)
            #expect(content?.first?["type"] as? String == "text")
            #expect(content?.first?["text"] as? String == "hello there friend")
            #expect(message["stop_reason"] as? String == "end_turn")
            let usage = message["usage"] as? [String: Any]
            // Anthropic counts input without the cached part: 5 prompt tokens, 2 cached -> 3 + 2.
            #expect(usage?["input_tokens"] as? Int == 3)
            #expect(usage?["cache_read_input_tokens"] as? Int == 2)
            #expect(usage?["output_tokens"] as? Int == 3)
            let record = try await gateway.record(response.headers[HTTPField.Name("x-request-id")!])
            #expect(record.route == "/v1/messages")
            #expect(record.provider == "local")
            #expect(record.promptTokens == 5)
            #expect(record.cachedTokens == 2)
            #expect(record.completionTokens == 3)
            #expect(record.costNanoUSD == Self.expectedCost)
        }
    }

    @Test func aStreamToAnOpenAIProviderIsTranslatedEventByEvent() async throws {
        try await withGateway { gateway in
            let response = try await gateway.post("/v1/messages", Self.messages("mock-echo", stream: true))
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            let events = Self.events(response.body)
            #expect(
                events.map(\.name) == [
                    "message_start", "ping", "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta",
                    "content_block_stop", "message_delta", "message_stop",
                ])
            let text = events.compactMap { ($0.data["delta"] as? [String: Any])?["text"] as? String }.joined()
            #expect(text == "hello there friend")
            let delta = try #require(events.first { $0.name == "message_delta" })
            #expect((delta.data["delta"] as? [String: Any])?["stop_reason"] as? String == "end_turn")
            #expect((delta.data["usage"] as? [String: Any])?["output_tokens"] as? Int == 3)
            let record = try await gateway.record(response.headers[HTTPField.Name("x-request-id")!])
            #expect(record.status == 200)
            #expect(record.promptTokens == 5)
            #expect(record.cachedTokens == 2)
            #expect(record.completionTokens == 3)
            #expect(record.usageEstimated == false)
            #expect(record.costNanoUSD == Self.expectedCost)
        }
    }

    @Test func aMessageBodyThatIsNotAMessagesRequestIsA400InAnthropicsEnvelope() async throws {
        try await withGateway { gateway in
            let response = try await gateway.post("/v1/messages", ByteBuffer(string: #"{"model":"mock-echo","max_tokens":5}"#))
            #expect(response.status == .badRequest)
            let error = Self.anthropicError(response.body)
            #expect(error.type == "invalid_request_error")
            #expect(error.message == "messages: Field required")
        }
    }

    // MARK: - /v1/messages to an anthropic provider (native)

    /// The body goes upstream byte for byte (spacing, member order, members the gateway does not
    /// know); only the key is replaced, and the client's anthropic-version and anthropic-beta go along.
    @Test func aMessageToAnAnthropicProviderPassesThroughWithOnlyTheKeyReplaced() async throws {
        try await withGateway { gateway in
            let body = ByteBuffer(
                string: #"{ "max_tokens": 64, "model": "claude-mock", "top_k": 5, "system": "be brief","#
                    + #" "messages": [{"role": "user", "content": "hello there friend"}], "metadata": {"user_id": "u-1"} }"#)
            var headers = gateway.keyHeaders
            headers[HTTPField.Name("anthropic-version")!] = "2026-10-21"
            headers[HTTPField.Name("anthropic-beta")!] = "tools-2099-01-01"
            let response = try await gateway.post("/v1/messages", body, headers: headers)
            #expect(response.status == .ok)
            let message = response.body.json
            #expect(message["type"] as? String == "message")
            #expect((message["id"] as? String)?.hasPrefix("msg_mock_") == true, "the provider's own answer")
            #expect(Array(try await gateway.upstream("/mock/last-body").readableBytesView) == Array(body.readableBytesView))
            let seen = try await gateway.upstream("/mock/last-headers").json
            #expect(seen["x-api-key"] as? String == Self.providerKey)
            #expect(seen["authorization"] == nil)
            #expect(seen["anthropic-version"] as? String == "2026-10-21")
            #expect(seen["anthropic-beta"] as? String == "tools-2099-01-01")
            let record = try await gateway.record(response.headers[HTTPField.Name("x-request-id")!])
            #expect(record.provider == "claude")
            #expect(record.promptTokens == 5)
            #expect(record.cachedTokens == 2)
            #expect(record.completionTokens == 3)
            #expect(record.costNanoUSD == Self.expectedCost)
        }
    }

    /// A native stream's usage is split: input figures in message_start, the output total in message_delta.
    @Test func aNativeStreamIsRelayedAndChargedFromMessageStartAndMessageDelta() async throws {
        try await withGateway { gateway in
            let response = try await gateway.post("/v1/messages", Self.messages("claude-mock", stream: true))
            #expect(response.status == .ok)
            let events = Self.events(response.body)
            #expect(events.first?.name == "message_start")
            #expect(events.last?.name == "message_stop")
            #expect(events.contains { $0.name == "ping" })
            let record = try await gateway.record(response.headers[HTTPField.Name("x-request-id")!])
            #expect(record.promptTokens == 5)
            #expect(record.cachedTokens == 2)
            #expect(record.completionTokens == 3)
            #expect(record.usageEstimated == false)
            #expect(record.costNanoUSD == Self.expectedCost)
        }
    }

    @Test func aProviderErrorOnTheNativePathComesBackAsTheProviderSentIt() async throws {
        try await withGateway(MockAnthropicServer(apiKey: Self.providerKey, failStatus: 400)) { gateway in
            let response = try await gateway.post("/v1/messages", Self.messages("claude-mock"))
            #expect(response.status == .badRequest)
            let error = Self.anthropicError(response.body)
            #expect(error.type == "invalid_request_error")
            #expect(error.requestID?.hasPrefix("req_mock") == true, "the provider's own request id")
        }
    }

    // MARK: - auth, models, count_tokens

    @Test func theKeyMayComeAsXAPIKeyOrBearerAndAMissingOrWrongOneIsAnAuthenticationError() async throws {
        try await withGateway { gateway in
            let bearer = try await gateway.post(
                "/v1/messages", Self.messages("mock-echo"), headers: GatewayHarness.auth(gateway.token))
            #expect(bearer.status == .ok)
            let missing = try await gateway.post("/v1/messages", Self.messages("mock-echo"), headers: [.contentType: "application/json"])
            #expect(missing.status == .unauthorized)
            let error = Self.anthropicError(missing.body)
            #expect(error.type == "authentication_error")
            #expect(error.message?.contains("x-api-key") == true)
            #expect(error.requestID == missing.headers[HTTPField.Name("request-id")!])
            let wrong = try await gateway.post(
                "/v1/messages", Self.messages("mock-echo"),
                headers: [HTTPField.Name("x-api-key")!: "ljq_not_a_real_key", .contentType: "application/json"])
            #expect(wrong.status == .unauthorized)
            #expect(Self.anthropicError(wrong.body).type == "authentication_error")
            // OpenAI's routes keep taking only the bearer token, and answer in OpenAI's envelope.
            let chat = try await gateway.post("/v1/chat/completions", GatewayHarness.chatBody(), headers: gateway.keyHeaders)
            #expect(chat.status == .unauthorized)
            #expect((chat.body.json["error"] as? [String: Any])?["code"] as? String == "invalid_api_key")
        }
    }

    @Test func anUnknownModelIsNotFoundAndAForbiddenOneAPermissionError() async throws {
        try await withGateway { gateway in
            let unknown = try await gateway.post("/v1/messages", Self.messages("claude-nonexistent"))
            #expect(unknown.status == .notFound)
            #expect(Self.anthropicError(unknown.body).type == "not_found_error")
            let limited = try await gateway.runtime.service.issue(
                IssueTokenRequest(subject: "limited", policy: TokenPolicy(models: ["mock-echo"]))
            ).token
            let forbidden = try await gateway.post(
                "/v1/messages", Self.messages("claude-mock"),
                headers: [HTTPField.Name("x-api-key")!: limited, .contentType: "application/json"])
            #expect(forbidden.status == .forbidden)
            #expect(Self.anthropicError(forbidden.body).type == "permission_error")
        }
    }

    @Test func overItsRequestsPerMinuteATokenGetsARateLimitErrorWithRetryAfter() async throws {
        try await withGateway { gateway in
            let token = try await gateway.runtime.service.issue(
                IssueTokenRequest(subject: "slow", policy: TokenPolicy(rateLimitRPM: 1))
            ).token
            let headers: HTTPFields = [HTTPField.Name("x-api-key")!: token, .contentType: "application/json"]
            let first = try await gateway.post("/v1/messages", Self.messages("mock-echo"), headers: headers)
            #expect(first.status == .ok)
            let second = try await gateway.post("/v1/messages", Self.messages("mock-echo"), headers: headers)
            #expect(second.status == .tooManyRequests)
            #expect(Self.anthropicError(second.body).type == "rate_limit_error")
            #expect(Int(second.headers[.retryAfter] ?? "") ?? 0 >= 1)
        }
    }

    /// A budget that cannot pay the request's worst case: Anthropic's 402 billing_error.
    @Test func aTokenOutOfBudgetGetsABillingError() async throws {
        try await withGateway { gateway in
            let token = try await gateway.runtime.service.issue(
                IssueTokenRequest(subject: "broke", policy: TokenPolicy(maxBudget: NanoUSD(1_000)))
            ).token
            let response = try await gateway.post(
                "/v1/messages", Self.messages("claude-mock"), headers: [HTTPField.Name("x-api-key")!: token, .contentType: "application/json"])
            #expect(response.status == .init(code: 402))
            let error = Self.anthropicError(response.body)
            #expect(error.type == "billing_error")
            #expect(error.message?.contains("budget") == true)
            let record = try await gateway.record(response.headers[HTTPField.Name("x-request-id")!])
            #expect(record.status == 402)
        }
    }

    @Test func modelsAnswerInAnthropicsShapeWhenAskedWithAnthropicVersion() async throws {
        try await withGateway { gateway in
            var anthropic = gateway.keyHeaders
            anthropic[HTTPField.Name("anthropic-version")!] = "2023-06-01"
            let list = try await gateway.client.execute(uri: "/v1/models", method: .get, headers: anthropic)
            #expect(list.status == .ok)
            let json = list.body.json
            let data = try #require(json["data"] as? [[String: Any]])
            #expect(data.map { $0["id"] as? String } == ["claude-mock", "mock-echo"])
            #expect(data.allSatisfy { $0["type"] as? String == "model" && $0["display_name"] != nil && $0["created_at"] is String })
            #expect(json["has_more"] as? Bool == false)
            #expect(json["first_id"] as? String == "claude-mock")
            #expect(json["last_id"] as? String == "mock-echo")
            let one = try await gateway.client.execute(uri: "/v1/models/claude-mock", method: .get, headers: anthropic)
            #expect(one.body.json["type"] as? String == "model")
            #expect(one.body.json["id"] as? String == "claude-mock")
            let missing = try await gateway.client.execute(uri: "/v1/models/claude-nope", method: .get, headers: anthropic)
            #expect(missing.status == .notFound)
            #expect(Self.anthropicError(missing.body).type == "not_found_error")
            // Without anthropic-version: OpenAI's shapes.
            let openAI = try await gateway.client.execute(uri: "/api/v1/models", method: .get, headers: GatewayHarness.auth(gateway.token))
            #expect(openAI.body.json["object"] as? String == "list")
            let openAIOne = try await gateway.client.execute(
                uri: "/v1/models/mock-echo", method: .get, headers: GatewayHarness.auth(gateway.token))
            #expect(openAIOne.body.json["object"] as? String == "model")
            let openAIMissing = try await gateway.client.execute(
                uri: "/v1/models/claude-nope", method: .get, headers: GatewayHarness.auth(gateway.token))
            #expect((openAIMissing.body.json["error"] as? [String: Any])?["code"] as? String == "model_not_found")
        }
    }

    /// Counted by an `anthropic` provider, exactly; bounded from above for any other.
    @Test func countTokensPassesThroughToAnthropicAndIsAnUpperBoundElsewhere() async throws {
        try await withGateway { gateway in
            let body = #"{"model":"MODEL","system":"be brief","messages":[{"role":"user","content":"hello there friend"}]}"#
            let native = try await gateway.post(
                "/api/v1/messages/count_tokens", ByteBuffer(string: body.replacingOccurrences(of: "MODEL", with: "claude-mock")))
            #expect(native.status == .ok)
            #expect(native.body.json["input_tokens"] as? Int == 5, "the mock's count: 2 + 3 words")
            let bounded = try await gateway.post(
                "/v1/messages/count_tokens", ByteBuffer(string: body.replacingOccurrences(of: "MODEL", with: "mock-echo")))
            #expect(bounded.status == .ok)
            let bound = try #require(bounded.body.json["input_tokens"] as? Int)
            // Every byte of "be brief" and "hello there friend", 4 per message, 8 per request.
            #expect(bound == "be brief".utf8.count + "hello there friend".utf8.count + 4 + 8)
            #expect(bound >= 5)
        }
    }

    // MARK: - OpenAI clients of an anthropic provider

    @Test func anOpenAIChatToAnAnthropicProviderIsTranslatedBothWays() async throws {
        try await withGateway { gateway in
            let body = ByteBuffer(
                string: #"{"model":"claude-mock","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"hello there friend"}]}"#)
            let response = try await gateway.post("/v1/chat/completions", body, headers: GatewayHarness.auth(gateway.token))
            #expect(response.status == .ok)
            let completion = response.body.json
            #expect(completion["object"] as? String == "chat.completion")
            let choice = (completion["choices"] as? [[String: Any]])?.first
            #expect((choice?["message"] as? [String: Any])?["content"] as? String == "hello there friend")
            #expect(choice?["finish_reason"] as? String == "stop")
            let usage = completion["usage"] as? [String: Any]
            #expect(usage?["prompt_tokens"] as? Int == 5)
            #expect(usage?["completion_tokens"] as? Int == 3)
            #expect((usage?["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] as? Int == 2)
            let upstream = try await gateway.upstream("/mock/last-body").json
            #expect(upstream["system"] as? String == "be brief", "system becomes Messages' own member")
            #expect(upstream["max_tokens"] as? Int != nil, "Messages requires max_tokens")
            let record = try await gateway.record(response.headers[HTTPField.Name("x-request-id")!])
            #expect(record.costNanoUSD == Self.expectedCost)
        }
    }

    @Test func anOpenAIStreamFromAnAnthropicProviderHasItsUsageOnlyWhenAsked() async throws {
        try await withGateway { gateway in
            for asked in [false, true] {
                let response = try await gateway.post(
                    "/v1/chat/completions", GatewayHarness.chatBody("claude-mock", "hello there friend", stream: true, includeUsage: asked),
                    headers: GatewayHarness.auth(gateway.token))
                #expect(response.status == .ok)
                let lines = String(buffer: response.body).components(separatedBy: "\n\n").filter { !$0.isEmpty }
                #expect(lines.last == "data: [DONE]")
                let chunks = lines.dropLast().map { ByteBuffer(string: String($0.dropFirst(6))).json }
                let text = chunks.compactMap { (($0["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any])?["content"] as? String }
                #expect(text.joined() == "hello there friend")
                let usageChunks = chunks.filter { ($0["usage"] as? [String: Any]) != nil }
                #expect(usageChunks.count == (asked ? 1 : 0), "usage only when the client asked")
                let record = try await gateway.record(response.headers[HTTPField.Name("x-request-id")!])
                #expect(record.promptTokens == 3)
                #expect(record.completionTokens == 3)
                #expect(record.usageEstimated == false)
            }
        }
    }

    @Test func anAnthropicProvidersErrorReachesAnOpenAIClientInOpenAIsEnvelope() async throws {
        try await withGateway(MockAnthropicServer(apiKey: Self.providerKey, failStatus: 400)) { gateway in
            let response = try await gateway.post(
                "/v1/chat/completions", GatewayHarness.chatBody("claude-mock"), headers: GatewayHarness.auth(gateway.token))
            #expect(response.status == .badRequest)
            let error = try #require(response.body.json["error"] as? [String: Any])
            #expect(error["type"] as? String == "invalid_request_error")
            #expect((error["message"] as? String)?.isEmpty == false)
        }
    }

    @Test func completionsAndEmbeddingsAreNotSentToAnAnthropicProvider() async throws {
        try await withGateway { gateway in
            let response = try await gateway.post(
                "/v1/completions", ByteBuffer(string: #"{"model":"claude-mock","prompt":"hi"}"#), headers: GatewayHarness.auth(gateway.token))
            #expect(response.status == .badRequest)
            #expect(response.body.errorCode == "unsupported_endpoint")
            #expect(try await gateway.upstream("/mock/requests").json["requests"] as? Int == 0)
        }
    }
}
