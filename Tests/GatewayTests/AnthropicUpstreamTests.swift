import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceSupport
import Synchronization
import Testing

@testable import Gateway

/// The `anthropic` provider type: its configuration, and ``AnthropicProviderClient`` against
/// ``MockAnthropicServer`` over real HTTP on 127.0.0.1.
@Suite struct AnthropicUpstreamTests {
    static let key = "sk-ant-mock-key"

    /// Runs `body` with a client of a provider on a mock Anthropic upstream.
    static func withClient(
        _ server: MockAnthropicServer = MockAnthropicServer(apiKey: key), apiKey: String? = key, version: String = "2023-06-01",
        _ body: @escaping @Sendable (AnthropicProviderClient, Int) async throws -> Void
    ) async throws {
        try await GatewayHarness.withUpstreams([{ server.buildRouter() }], ports: []) { ports in
            let config = ProviderConfig(
                name: "claude", kind: .anthropic, baseURL: "http://127.0.0.1:\(ports[0])", apiKey: apiKey, models: ["claude-mock"],
                anthropicVersion: version)
            let client = AnthropicProviderClient(config: config, http: HTTPTimeoutConfig())
            do {
                try await body(client, ports[0])
            } catch {
                try await client.shutdown()
                throw error
            }
            try await client.shutdown()
        }
    }

    static func request(_ json: String, stream: Bool = false, headers: HTTPFields = [:]) -> UpstreamRequest {
        UpstreamRequest(endpoint: .chatCompletions, body: ByteBuffer(string: json), stream: stream, requestID: "req-1", headers: headers)
    }

    static func body(_ response: UpstreamResponse) async throws -> ByteBuffer { try await response.body.collect(upTo: 1 << 20) }

    /// The `(event, data)` pairs of a server-sent event stream, checking each is `event: <type>` then
    /// `data: <json>` whose `type` is the event's.
    static func events(_ text: String) -> [(String, [String: Any])] {
        text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { block in
            let lines = block.components(separatedBy: "\n")
            #expect(lines.count == 2 && lines[0].hasPrefix("event: ") && lines[1].hasPrefix("data: "), "\(block)")
            let type = String(lines[0].dropFirst(7))
            let data = ByteBuffer(string: String(lines[1].dropFirst(6))).json
            #expect(data["type"] as? String == type)
            return (type, data)
        }
    }

    static func get(_ port: Int, _ path: String) async throws -> [String: Any] {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(5))
        return try await response.body.collect(upTo: 1 << 20).json
    }

    // MARK: configuration

    @Test func theProvidersFileTakesAnthropicWithItsDefaults() async throws {
        let file = #"""
            {"providers":[{"name":"claude","type":"anthropic","api_key":"sk-ant-x","models":["claude-sonnet-4-5"]},
            {"name":"pinned","type":"anthropic","base_url":"http://127.0.0.1:9","models":["m"],"anthropic_version":"2024-01-01"}]}
            """#
        let configuration = try GatewayHarness.configuration(providers: file)
        #expect(
            configuration.providers == [
                ProviderConfig(
                    name: "claude", kind: .anthropic, baseURL: "https://api.anthropic.com", apiKey: "sk-ant-x", models: ["claude-sonnet-4-5"],
                    anthropicVersion: "2023-06-01"),
                ProviderConfig(name: "pinned", kind: .anthropic, baseURL: "http://127.0.0.1:9", models: ["m"], anthropicVersion: "2024-01-01"),
            ])
        let registry = ProviderRegistry.build(configuration.providers, http: HTTPTimeoutConfig(), strategy: .roundRobin)
        #expect(registry.providers.allSatisfy { $0.client is AnthropicProviderClient })
        let client = registry.providers[0].client as? AnthropicProviderClient
        #expect(client?.root == "https://api.anthropic.com/v1")
        #expect(client?.anthropicVersion == "2023-06-01")
        await registry.shutdown()
    }

    @Test(arguments: [
        #"{"providers":[{"name":"a","type":"openai","models":["m"],"anthropic_version":"2023-06-01"}]}"#,
        #"{"providers":[{"name":"a","type":"anthropic","models":["m"],"anthropic_version":""}]}"#,
        #"{"providers":[{"name":"a","type":"anthropic","models":["m"],"anthropic_version":"2023 06 01"}]}"#,
        #"{"providers":[{"name":"a","type":"anthropic","models":["m"],"base_url":"api.anthropic.com"}]}"#,
    ])
    func badAnthropicProvidersAreRefused(_ file: String) {
        #expect(throws: ConfigurationErrors.self) { try GatewayHarness.configuration(providers: file) }
    }

    // MARK: the client and the mock

    @Test func aPlainMessageEchoesTheLastUserTextWithUsageInWords() async throws {
        try await Self.withClient { client, port in
            let response = try await client.send(
                Self.request(
                    #"{"model":"claude-mock","max_tokens":100,"system":"be brief","messages":[{"role":"user","content":"one two"},{"role":"assistant","content":"three"},{"role":"user","content":[{"type":"text","text":"hello there world"}]}]}"#
                ))
            #expect(response.status == 200)
            #expect(response.headers[HTTPField.Name("request-id")!]?.hasPrefix("req_") == true)
            let message = try await Self.body(response).json
            #expect(message["type"] as? String == "message")
            #expect(message["role"] as? String == "assistant")
            #expect(message["model"] as? String == "claude-mock")
            #expect((message["id"] as? String)?.hasPrefix("msg_") == true)
            #expect(message["stop_reason"] as? String == "end_turn")
            #expect(message["stop_sequence"] is NSNull)
            let content = try #require(message["content"] as? [[String: Any]])
            #expect(content.count == 1 && content[0]["type"] as? String == "text" && content[0]["text"] as? String == "hello there world")
            let usage = try #require(message["usage"] as? [String: Any])
            #expect(usage["input_tokens"] as? Int == 3)
            #expect(usage["cache_read_input_tokens"] as? Int == 5)  // "be brief", "one two", "three"
            #expect(usage["cache_creation_input_tokens"] as? Int == 0)
            #expect(usage["output_tokens"] as? Int == 3)
            let headers = try await Self.get(port, "/mock/last-headers")
            #expect(headers["x-api-key"] as? String == Self.key)
            #expect(headers["anthropic-version"] as? String == "2023-06-01")
            #expect(headers["anthropic-beta"] == nil)
            #expect(headers["authorization"] == nil)
        }
    }

    @Test func aNativeClientsVersionAndBetaHeadersGoUpstreamAsSent() async throws {
        try await Self.withClient(version: "2023-01-01") { client, port in
            let headers: HTTPFields = [
                HTTPField.Name("anthropic-version")!: "2023-06-01", HTTPField.Name("anthropic-beta")!: "prompt-caching-2024-07-31",
                HTTPField.Name("x-api-key")!: "the-clients-own-key",
            ]
            let response = try await client.send(
                Self.request(#"{"model":"claude-mock","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#, headers: headers))
            #expect(response.status == 200)
            _ = try await Self.body(response)
            let seen = try await Self.get(port, "/mock/last-headers")
            #expect(seen["anthropic-version"] as? String == "2023-06-01")
            #expect(seen["anthropic-beta"] as? String == "prompt-caching-2024-07-31")
            #expect(seen["x-api-key"] as? String == Self.key)
        }
    }

    @Test func aStreamFollowsTheDocumentedEventOrder() async throws {
        try await Self.withClient { client, _ in
            let response = try await client.send(
                Self.request(
                    #"{"model":"claude-mock","max_tokens":100,"stream":true,"messages":[{"role":"user","content":"stream me please"}]}"#,
                    stream: true))
            #expect(response.status == 200)
            #expect(response.headers[.contentType]?.hasPrefix("text/event-stream") == true)
            let events = Self.events(String(buffer: try await Self.body(response)))
            #expect(
                events.map(\.0) == [
                    "message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta", "content_block_delta",
                    "content_block_stop", "message_delta", "message_stop",
                ])
            let start = try #require(events[0].1["message"] as? [String: Any])
            #expect((start["content"] as? [Any])?.isEmpty == true)
            #expect(start["stop_reason"] is NSNull)
            let startUsage = try #require(start["usage"] as? [String: Any])
            #expect(startUsage["input_tokens"] as? Int == 3 && startUsage["output_tokens"] as? Int == 1)
            #expect((events[1].1["content_block"] as? [String: Any])?["text"] as? String == "")
            let text = events.compactMap { ($0.1["delta"] as? [String: Any])?["text"] as? String }.joined()
            #expect(text == "stream me please")
            let delta = events[7].1
            #expect((delta["delta"] as? [String: Any])?["stop_reason"] as? String == "end_turn")
            #expect((delta["usage"] as? [String: Any])?["output_tokens"] as? Int == 3)
        }
    }

    @Test func maxTokensAndStopSequencesEndTheAnswerAsTheAPIDoes() async throws {
        try await Self.withClient { client, _ in
            let cut = try await Self.body(
                client.send(Self.request(#"{"model":"claude-mock","max_tokens":2,"messages":[{"role":"user","content":"a b c d"}]}"#))
            ).json
            #expect(cut["stop_reason"] as? String == "max_tokens")
            #expect(((cut["content"] as? [[String: Any]])?.first?["text"] as? String) == "a b")
            #expect((cut["usage"] as? [String: Any])?["output_tokens"] as? Int == 2)
            let stopped = try await Self.body(
                client.send(
                    Self.request(
                        #"{"model":"claude-mock","max_tokens":50,"stop_sequences":["END","c"],"messages":[{"role":"user","content":"a b c END d"}]}"#
                    ))
            ).json
            #expect(stopped["stop_reason"] as? String == "stop_sequence")
            #expect(stopped["stop_sequence"] as? String == "c")
            #expect(((stopped["content"] as? [[String: Any]])?.first?["text"] as? String) == "a b ")
        }
    }

    static let tools = #"[{"name":"get_weather","description":"Weather of a city","input_schema":{"type":"object"}}]"#

    @Test func callToolNameAnswersAToolUseBlock() async throws {
        try await Self.withClient { client, _ in
            let body =
                #"{"model":"claude-mock","max_tokens":100,"tools":\#(Self.tools),"messages":[{"role":"user","content":"call get_weather {\"city\": \"Paris\", \"unit\": \"celsius\"}"}]}"#
            let message = try await Self.body(client.send(Self.request(body))).json
            #expect(message["stop_reason"] as? String == "tool_use")
            let content = try #require(message["content"] as? [[String: Any]])
            #expect(content.count == 2)
            #expect(content[0]["type"] as? String == "text" && content[0]["text"] as? String == "Calling get_weather.")
            #expect(content[1]["type"] as? String == "tool_use" && content[1]["name"] as? String == "get_weather")
            #expect((content[1]["id"] as? String)?.hasPrefix("toolu_") == true)
            #expect(content[1]["input"] as? [String: String] == ["city": "Paris", "unit": "celsius"])

            let streamed = body.replacingOccurrences(of: #""max_tokens":100,"#, with: #""max_tokens":100,"stream":true,"#)
            let events = Self.events(String(buffer: try await Self.body(client.send(Self.request(streamed, stream: true)))))
            let toolStart = try #require(events.first { ($0.1["content_block"] as? [String: Any])?["type"] as? String == "tool_use" })
            #expect(toolStart.1["index"] as? Int == 1)
            #expect((toolStart.1["content_block"] as? [String: Any])?["input"] as? [String: String] == [:])
            let pieces = events.compactMap { event -> String? in
                guard let delta = event.1["delta"] as? [String: Any], delta["type"] as? String == "input_json_delta" else { return nil }
                return delta["partial_json"] as? String
            }
            #expect(pieces.count >= 4)
            #expect(ByteBuffer(string: pieces.joined()).json as? [String: String] == ["city": "Paris", "unit": "celsius"])
            #expect(events.filter { $0.0 == "content_block_stop" }.map { $0.1["index"] as? Int } == [0, 1])
            #expect((events[events.count - 2].1["delta"] as? [String: Any])?["stop_reason"] as? String == "tool_use")
        }
    }

    @Test func aToolResultIsQuotedInTheAnswer() async throws {
        try await Self.withClient { client, _ in
            let body = #"""
                {"model":"claude-mock","max_tokens":100,"tools":\#(Self.tools),"messages":[
                {"role":"user","content":"call get_weather {\"city\":\"Paris\"}"},
                {"role":"assistant","content":[{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}]},
                {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"15 degrees and sunny"}]}]}
                """#
            let message = try await Self.body(client.send(Self.request(body))).json
            #expect(message["stop_reason"] as? String == "end_turn")
            #expect(((message["content"] as? [[String: Any]])?.first?["text"] as? String) == "get_weather returned: 15 degrees and sunny")
        }
    }

    @Test func countTokensAndModelsAnswerInAnthropicsShapes() async throws {
        try await Self.withClient { client, port in
            let response = try await client.countTokens(
                ByteBuffer(string: #"{"model":"claude-mock","system":"x y","messages":[{"role":"user","content":"a b c"}]}"#), requestID: "r")
            #expect(response.status == 200)
            #expect(try await Self.body(response).json as? [String: Int] == ["input_tokens": 5])
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/models")
            request.headers.add(name: "x-api-key", value: Self.key)
            request.headers.add(name: "anthropic-version", value: "2023-06-01")
            let list = try await HTTPClient.shared.execute(request, timeout: .seconds(5)).body.collect(upTo: 1 << 16).json
            #expect(list["has_more"] as? Bool == false)
            #expect(list["first_id"] as? String == "claude-mock" && list["last_id"] as? String == "claude-mock")
            let model = try #require((list["data"] as? [[String: Any]])?.first)
            #expect(model["type"] as? String == "model" && model["id"] as? String == "claude-mock")
            #expect(model["display_name"] is String && model["created_at"] is String)
        }
    }

    @Test func theMockRefusesWhatTheAPIRefuses() async throws {
        try await Self.withClient { client, port in
            func error(_ json: String) async throws -> (Int, String?, String?) {
                let response = try await client.send(Self.request(json))
                let body = try await Self.body(response).json
                #expect(body["type"] as? String == "error")
                #expect(response.headers[HTTPField.Name("request-id")!] == body["request_id"] as? String)
                let error = body["error"] as? [String: Any]
                return (response.status, error?["type"] as? String, error?["message"] as? String)
            }
            let noMax = try await error(#"{"model":"claude-mock","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(noMax == (400, "invalid_request_error", "max_tokens: Field required"))
            let unknown = try await error(#"{"model":"claude-nope","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#)
            #expect(unknown == (404, "not_found_error", "model: claude-nope"))
            // Without anthropic-version.
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/messages")
            request.method = .POST
            request.headers.add(name: "x-api-key", value: Self.key)
            request.body = .bytes(ByteBuffer(string: #"{"model":"claude-mock","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
            #expect(response.status.code == 400)
            let body = try await response.body.collect(upTo: 1 << 16).json
            #expect((body["error"] as? [String: Any])?["type"] as? String == "invalid_request_error")
        }
        // A wrong key, then none.
        for key in ["sk-ant-wrong", nil] as [String?] {
            try await Self.withClient(apiKey: key) { client, _ in
                let response = try await client.send(
                    Self.request(#"{"model":"claude-mock","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#))
                #expect(response.status == 401)
                #expect(((try await Self.body(response).json)["error"] as? [String: Any])?["type"] as? String == "authentication_error")
            }
        }
    }

    @Test(arguments: [
        (429, "rate_limit_error", FallbackPolicy.Reason.rateLimited), (529, "overloaded_error", .serverError),
        (500, "api_error", .serverError), (401, "authentication_error", .credentialsRejected),
    ])
    func failuresMapToTheFallbackPolicy(_ status: Int, _ type: String, _ reason: FallbackPolicy.Reason) async throws {
        try await Self.withClient(MockAnthropicServer(failStatus: status)) { client, _ in
            let response = try await client.send(
                Self.request(#"{"model":"claude-mock","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#))
            #expect(response.status == status)
            #expect(FallbackPolicy().reason(forStatus: response.status) == reason)
            let body = try await Self.body(response)
            #expect((body.json["error"] as? [String: Any])?["type"] as? String == type)
            if status == 429 {
                let hint = RateLimitHint.from(headers: response.headers, body: body, model: "claude-mock", now: 0)
                #expect(hint == RateLimitHint(seconds: 5, scope: .provider))
            }
        }
    }

    @Test func aStreamCanFailMidAnswerWithAnErrorEvent() async throws {
        try await Self.withClient(MockAnthropicServer(streamErrorAfter: 3)) { client, _ in
            let response = try await client.send(
                Self.request(
                    #"{"model":"claude-mock","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"a b c"}]}"#, stream: true))
            #expect(response.status == 200)
            let events = Self.events(String(buffer: try await Self.body(response)))
            #expect(events.map(\.0) == ["message_start", "content_block_start", "ping", "error"])
            #expect((events[3].1["error"] as? [String: Any])?["type"] as? String == "overloaded_error")
        }
    }
}

/// What the Anthropic seam must not change, and the client's failures before an answer.
@Suite struct AnthropicClientEdgeTests {
    @Test func theOpenAIClientIgnoresAPathAndAnthropicHeaders() async throws {
        let seen = Mutex<[String]>([])
        let router: @Sendable () -> Router<BasicRequestContext> = {
            let router = Router()
            router.post("/v1/chat/completions") { request, _ -> Response in
                seen.withLock { $0.append(request.headers.map { $0.name.canonicalName }.joined(separator: ",")) }
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: "{}")))
            }
            return router
        }
        try await GatewayHarness.withUpstreams([router], ports: []) { ports in
            let client = OpenAIProviderClient(
                config: ProviderConfig(name: "o", kind: .openai, baseURL: "http://127.0.0.1:\(ports[0])", apiKey: "sk-o", models: ["m"]),
                http: HTTPTimeoutConfig())
            let request = UpstreamRequest(
                endpoint: .chatCompletions, body: ByteBuffer(string: "{}"), stream: false, requestID: "r",
                path: AnthropicProviderClient.countTokensPath, headers: [HTTPField.Name("anthropic-beta")!: "x"])
            let response = try await client.send(request)
            #expect(response.status == 200)
            _ = try await response.body.collect(upTo: 1024)
            try await client.shutdown()
        }
        let headers = try #require(seen.withLock { $0 }.first)
        #expect(!headers.contains("anthropic") && !headers.contains("x-api-key"))
        #expect(headers.contains("authorization"))
    }

    @Test func aSilentUpstreamTimesOutAndADeadOneIsAConnectionError() async throws {
        try await GatewayHarness.withUpstreams([{ MockAnthropicServer(headDelay: .seconds(2)).buildRouter() }], ports: []) { ports in
            let client = AnthropicProviderClient(
                config: ProviderConfig(
                    name: "slow", kind: .anthropic, baseURL: "http://127.0.0.1:\(ports[0])", apiKey: "k", models: ["claude-mock"],
                    timeout: .milliseconds(300)),
                http: HTTPTimeoutConfig())
            await #expect(throws: UpstreamError.timeout) {
                _ = try await client.send(AnthropicUpstreamTests.request(#"{"model":"claude-mock","max_tokens":5,"messages":[]}"#))
            }
            try await client.shutdown()
        }
        let dead = AnthropicProviderClient(
            config: ProviderConfig(name: "dead", kind: .anthropic, baseURL: "http://127.0.0.1:1", apiKey: "k", models: ["m"]),
            http: HTTPTimeoutConfig())
        await #expect {
            _ = try await dead.send(AnthropicUpstreamTests.request("{}"))
        } throws: { error in
            if case .connection = error as? UpstreamError { return true }
            return false
        }
        try await dead.shutdown()
    }

    @Test func aStreamDroppedMidwayGivesItsConnectionSlotBack() async throws {
        let server = MockAnthropicServer(chunkDelay: .milliseconds(100))
        try await GatewayHarness.withUpstreams([{ server.buildRouter() }], ports: []) { ports in
            let client = AnthropicProviderClient(
                config: ProviderConfig(name: "a", kind: .anthropic, baseURL: "http://127.0.0.1:\(ports[0])", apiKey: "k", models: ["claude-mock"]),
                http: HTTPTimeoutConfig(maxConnectionsPerHost: 1, poolWait: .milliseconds(500)))
            let body = #"{"model":"claude-mock","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"a b c d e f g h i j"}]}"#
            do {
                // The whole stream takes well over a second; read its first event and drop it.
                let first = try await client.send(AnthropicUpstreamTests.request(body, stream: true))
                guard case .stream(let stream) = first.body else { throw UpstreamError.invalidResponse }
                for try await chunk in stream {
                    #expect(String(buffer: chunk).hasPrefix("event: message_start"))
                    break
                }
            }
            let second = try await client.send(AnthropicUpstreamTests.request(body, stream: true))
            #expect(second.status == 200)
            let events = AnthropicUpstreamTests.events(String(buffer: try await AnthropicUpstreamTests.body(second)))
            #expect(events.last?.0 == "message_stop")
            try await client.shutdown()
        }
    }
}
