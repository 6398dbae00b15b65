import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import Gateway

/// The OpenAI mock's tool calls, shaped as Chat Completions answers them (MockCompletion), and an
/// Anthropic tool_use round trip through the gateway's translation to OpenAI chat.
@Suite struct MockToolCallTests {
    static let tools =
        #"[{"type":"function","function":{"name":"get_weather","description":"Current weather in a city","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},"#
        + #"{"type":"function","function":{"name":"get_time","description":"The time","parameters":{"type":"object","properties":{}}}}]"#

    static func body(
        _ text: String, tools: String? = MockToolCallTests.tools, choice: String? = nil, stream: Bool = false, includeUsage: Bool = false,
        extra: String = ""
    ) -> ByteBuffer {
        let escaped = String(buffer: MockCompletion.json([text])).dropFirst().dropLast()
        var fields = [#""model":"mock-echo""#, #""messages":[{"role":"user","content":\#(escaped)}]"#]
        if let tools { fields.append(#""tools":\#(tools)"#) }
        if let choice { fields.append(#""tool_choice":\#(choice)"#) }
        if stream { fields.append(#""stream":true"#) }
        if includeUsage { fields.append(#""stream_options":{"include_usage":true}"#) }
        if !extra.isEmpty { fields.append(extra) }
        return ByteBuffer(string: "{" + fields.joined(separator: ",") + "}")
    }

    static func answer(_ body: ByteBuffer) throws -> [String: Any] {
        let input = try #require(MockCompletion.parse(body, endpoint: .chatCompletions))
        return MockCompletion.answer(input, endpoint: .chatCompletions).json
    }

    /// The JSON objects of every `data:` line but `[DONE]`.
    static func dataEvents(_ body: String) -> [[String: Any]] {
        body.split(separator: "\n").compactMap { line -> [String: Any]? in
            guard line.hasPrefix("data: "), line != "data: [DONE]" else { return nil }
            return (try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8))) as? [String: Any]
        }
    }

    static func choice(_ answer: [String: Any]) -> [String: Any] { (answer["choices"] as? [[String: Any]])?.first ?? [:] }
    static func message(_ answer: [String: Any]) -> [String: Any] { choice(answer)["message"] as? [String: Any] ?? [:] }
    static func calls(_ answer: [String: Any]) -> [[String: Any]] { message(answer)["tool_calls"] as? [[String: Any]] ?? [] }
    static func function(_ call: [String: Any]?) -> [String: Any] { call?["function"] as? [String: Any] ?? [:] }

    @Test func aCallNamingAToolAnswersAToolCall() throws {
        let answer = try Self.answer(Self.body(#"call get_weather {"city": "Paris", "days": 3}"#))
        let calls = Self.calls(answer)
        #expect(calls.count == 1)
        let id = try #require(calls.first?["id"] as? String)
        #expect(id.hasPrefix("call_mock_") && id.count > "call_mock_".count)
        #expect(calls.first?["type"] as? String == "function")
        #expect(Self.function(calls.first)["name"] as? String == "get_weather")
        #expect(Self.function(calls.first)["arguments"] as? String == #"{"city":"Paris","days":3}"#)
        #expect(Self.message(answer)["role"] as? String == "assistant")
        #expect(Self.message(answer)["content"] is NSNull)
        #expect(Self.choice(answer)["finish_reason"] as? String == "tool_calls")
        #expect(answer["object"] as? String == "chat.completion")
        let usage = try #require(answer["usage"] as? [String: Any])
        #expect(usage["completion_tokens"] as? Int == 3)  // the name and two members
        // The tools' names and descriptions count in the prompt, and in its cached prefix.
        // (the tools: get_weather 1 + 5 words, get_time 1 + 2; the message: 6 words.)
        #expect(usage["prompt_tokens"] as? Int == 9 + 6)
        #expect((usage["prompt_tokens_details"] as? [String: Any])?["cached_tokens"] as? Int == 9)

        // Deterministic: the same request, the same id.
        let again = try Self.answer(Self.body(#"call get_weather {"city": "Paris", "days": 3}"#))
        #expect(Self.calls(again).first?["id"] as? String == id)
        let other = try Self.answer(Self.body(#"call get_weather {"city": "Rome"}"#))
        #expect(Self.calls(other).first?["id"] as? String != id)
    }

    @Test(arguments: [
        ("call get_time", "get_time", "{}", 1),
        ("call get_weather in Paris please", "get_weather", #"{"text":"in Paris please"}"#, 2),
        ("call get_weather [1, 2]", "get_weather", #"{"text":"[1, 2]"}"#, 2),
    ])
    func theArgumentsAreTheObjectOrItsText(_ text: String, _ name: String, _ arguments: String, _ tokens: Int) throws {
        let answer = try Self.answer(Self.body(text))
        #expect(Self.function(Self.calls(answer).first)["name"] as? String == name)
        #expect(Self.function(Self.calls(answer).first)["arguments"] as? String == arguments)
        #expect((answer["usage"] as? [String: Any])?["completion_tokens"] as? Int == tokens)
    }

    @Test(arguments: [
        (#"call get_weather {"city":"Paris"}"#, MockToolCallTests.tools, #""none""#),  // tool_choice none
        ("call get_news today", MockToolCallTests.tools, nil),  // not one of the tools
        ("what is the weather", MockToolCallTests.tools, #""auto""#),  // not a call
        (#"call get_weather {"city":"Paris"}"#, nil, nil),  // no tools
    ] as [(String, String?, String?)])
    func otherwiseTheAnswerIsText(_ text: String, _ tools: String?, _ choice: String?) throws {
        let answer = try Self.answer(Self.body(text, tools: tools, choice: choice))
        #expect(Self.message(answer)["tool_calls"] == nil)
        #expect(Self.message(answer)["content"] as? String == text)
        #expect(Self.choice(answer)["finish_reason"] as? String == "stop")
    }

    @Test func withoutToolsTheAnswerIsUnchanged() throws {
        let plain = GatewayHarness.chatBody("mock-echo", "one two three", stream: false, includeUsage: false)
        let input = try #require(MockCompletion.parse(plain, endpoint: .chatCompletions))
        #expect(
            String(buffer: MockCompletion.answer(input, endpoint: .chatCompletions))
                == #"{"choices":[{"finish_reason":"stop","index":0,"logprobs":null,"message":{"content":"one two three","role":"assistant"}}],"#
                + #""created":1700000000,"id":"\#(MockCompletion.identifier("chatcmpl-mock-", input))","model":"mock-echo","object":"chat.completion","#
                + #""usage":{"completion_tokens":3,"completion_tokens_details":{"accepted_prediction_tokens":0,"audio_tokens":0,"reasoning_tokens":0,"rejected_prediction_tokens":0},"#
                + #""prompt_tokens":3,"prompt_tokens_details":{"audio_tokens":0,"cached_tokens":0},"total_tokens":6}}"#)
    }

    @Test func requiredOrANamedChoiceForcesACall() throws {
        let required = try Self.answer(Self.body("what is the weather", choice: #""required""#))
        #expect(Self.function(Self.calls(required).first)["name"] as? String == "get_weather")
        #expect(Self.function(Self.calls(required).first)["arguments"] as? String == #"{"text":"what is the weather"}"#)
        #expect(Self.choice(required)["finish_reason"] as? String == "tool_calls")

        let named = try Self.answer(Self.body("what time is it", choice: #"{"type":"function","function":{"name":"get_time"}}"#))
        #expect(Self.function(Self.calls(named).first)["name"] as? String == "get_time")
        #expect(Self.function(Self.calls(named).first)["arguments"] as? String == #"{"text":"what time is it"}"#)

        // A `call` text keeps its own tool and arguments, forced or not.
        let call = try Self.answer(Self.body(#"call get_weather {"city":"Oslo"}"#, choice: #"{"type":"function","function":{"name":"get_time"}}"#))
        #expect(Self.function(Self.calls(call).first)["name"] as? String == "get_weather")
        #expect(Self.function(Self.calls(call).first)["arguments"] as? String == #"{"city":"Oslo"}"#)
    }

    @Test func toolResultsAnswerTextQuotingThem() throws {
        let body = ByteBuffer(
            string: #"{"model":"mock-echo","tools":\#(Self.tools),"messages":["#
                + #"{"role":"user","content":"call get_weather {\"city\":\"Paris\"}"},"#
                + #"{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},"#
                + #"{"id":"call_2","type":"function","function":{"name":"get_time","arguments":"{}"}}]},"#
                + #"{"role":"tool","tool_call_id":"call_1","content":"sunny, 21 C"},"#
                + #"{"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"noon"}]}]}"#)
        let answer = try Self.answer(body)
        #expect(Self.message(answer)["content"] as? String == "get_weather returned: sunny, 21 C; get_time returned: noon")
        #expect(Self.message(answer)["tool_calls"] == nil)
        #expect(Self.choice(answer)["finish_reason"] as? String == "stop")
        let usage = try #require(answer["usage"] as? [String: Any])
        #expect(usage["completion_tokens"] as? Int == 8)
        // Tools 9 + user 3 + the assistant's two tool names + results 3 and 1.
        #expect(usage["prompt_tokens"] as? Int == 9 + 3 + 2 + 3 + 1)
    }

    static func events(_ body: ByteBuffer) throws -> (data: [[String: Any]], raw: [String]) {
        let input = try #require(MockCompletion.parse(body, endpoint: .chatCompletions))
        let raw = MockCompletion.events(input, endpoint: .chatCompletions).map { String(buffer: $0) }
        return (Self.dataEvents(raw.joined()), raw)
    }

    static func delta(_ event: [String: Any]) -> [String: Any]? {
        ((event["choices"] as? [[String: Any]])?.first?["delta"]) as? [String: Any]
    }

    @Test(arguments: [false, true])
    func aStreamedCallComesInOpenAIsOrder(_ includeUsage: Bool) throws {
        let arguments = #"{"city":"Paris","days":3,"units":"metric"}"#
        let (events, raw) = try Self.events(Self.body("call get_weather \(arguments)", stream: true, includeUsage: includeUsage))
        #expect(raw.last == "data: [DONE]\n\n")
        #expect(raw.allSatisfy { $0.hasPrefix("data: ") && $0.hasSuffix("\n\n") })
        #expect(events.count == raw.count - 1)
        let contentEvents = includeUsage ? events.dropLast() : events[...]

        // First: the role, null content, the call with its id, type, name and empty arguments.
        let first = try #require(Self.delta(contentEvents.first ?? [:]))
        #expect(first["role"] as? String == "assistant")
        #expect(first["content"] is NSNull)
        let head = try #require((first["tool_calls"] as? [[String: Any]])?.first)
        #expect(head["index"] as? Int == 0)
        #expect((head["id"] as? String)?.hasPrefix("call_mock_") == true)
        #expect(head["type"] as? String == "function")
        #expect(Self.function(head)["name"] as? String == "get_weather")
        #expect(Self.function(head)["arguments"] as? String == "")

        // Then the arguments in several pieces: index and arguments only.
        let middle = contentEvents.dropFirst().dropLast()
        #expect(middle.count >= 2)
        var pieces: [String] = []
        for event in middle {
            let delta = try #require(Self.delta(event))
            #expect(Array(delta.keys) == ["tool_calls"])
            let call = try #require((delta["tool_calls"] as? [[String: Any]])?.first)
            #expect(Set(call.keys) == ["index", "function"])
            #expect(call["index"] as? Int == 0)
            #expect(Array(Self.function(call).keys) == ["arguments"])
            pieces.append(try #require(Self.function(call)["arguments"] as? String))
            #expect(((event["choices"] as? [[String: Any]])?.first?["finish_reason"]) is NSNull)
        }
        #expect(pieces.joined() == arguments)

        // Then an empty delta with finish_reason tool_calls.
        let last = try #require((contentEvents.last?["choices"] as? [[String: Any]])?.first)
        #expect((last["delta"] as? [String: Any])?.isEmpty == true)
        #expect(last["finish_reason"] as? String == "tool_calls")

        for event in contentEvents {
            #expect(event["object"] as? String == "chat.completion.chunk")
            #expect(event["id"] as? String == contentEvents.first?["id"] as? String)
            // `"usage": null` on every chunk only when usage was asked for; no member otherwise.
            #expect(includeUsage ? event["usage"] is NSNull : event["usage"] == nil)
        }
        if includeUsage {
            let usageEvent = try #require(events.last)
            #expect((usageEvent["choices"] as? [Any])?.isEmpty == true)
            #expect((usageEvent["usage"] as? [String: Any])?["completion_tokens"] as? Int == 4)
        }
    }

    @Test func aShortArgumentsStringStillComesInPieces() throws {
        let (events, _) = try Self.events(Self.body("call get_time", stream: true))
        let pieces = events.compactMap { event -> String? in
            guard let call = (Self.delta(event)?["tool_calls"] as? [[String: Any]])?.first, call["id"] == nil else { return nil }
            return Self.function(call)["arguments"] as? String
        }
        #expect(pieces == ["{", "}"])
    }

    // MARK: Through HTTP

    @Test func throughTheGatewayWithTheMockProvider() async throws {
        let (gateway, token) = try await GatewayHarness.build(providers: GatewayHarness.mockProviders())
        try await gateway.buildApplication().test(.live) { client in
            try await client.execute(
                uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(token),
                body: Self.body(#"call get_weather {"city":"Paris"}"#)
            ) { response in
                #expect(response.status == .ok)
                let call = Self.calls(response.body.json).first
                #expect(Self.function(call)["name"] as? String == "get_weather")
                #expect(Self.function(call)["arguments"] as? String == #"{"city":"Paris"}"#)
                #expect(Self.choice(response.body.json)["finish_reason"] as? String == "tool_calls")
            }
            try await client.execute(
                uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(token),
                body: Self.body(#"call get_weather {"city":"Paris"}"#, stream: true)
            ) { response in
                #expect(response.status == .ok)
                let events = Self.dataEvents(String(buffer: response.body))
                // The gateway asked for usage to charge the call and took it out again: no usage chunk.
                #expect(events.allSatisfy { $0["usage"] == nil && !(($0["choices"] as? [Any]) ?? []).isEmpty })
                let arguments = events.compactMap { event in
                    (Self.delta(event)?["tool_calls"] as? [[String: Any]])?.first.flatMap { Self.function($0)["arguments"] as? String }
                }
                #expect(arguments.joined() == #"{"city":"Paris"}"#)
                #expect(arguments.count >= 3)
                #expect(String(buffer: response.body).hasSuffix("data: [DONE]\n\n"))
            }
        }
    }

    @Test func throughTheMockUpstreamServer() async throws {
        try await GatewayHarness.withUpstreams([MockUpstreamServer()]) { ports in
            let (gateway, token) = try await GatewayHarness.build(providers: GatewayHarness.upstreamProviders([("up", ports[0], ["mock-echo"])]))
            try await gateway.buildApplication().test(.live) { client in
                try await client.execute(
                    uri: "/v1/chat/completions", method: .post, headers: GatewayHarness.auth(token),
                    body: Self.body("which tool", choice: #""required""#, stream: true, includeUsage: true)
                ) { response in
                    #expect(response.status == .ok)
                    let events = Self.dataEvents(String(buffer: response.body))
                    let arguments = events.compactMap { event in
                        (Self.delta(event)?["tool_calls"] as? [[String: Any]])?.first.flatMap { Self.function($0)["arguments"] as? String }
                    }
                    #expect(arguments.joined() == #"{"text":"which tool"}"#)
                    #expect((events.last?["usage"] as? [String: Any])?["completion_tokens"] as? Int == 2)
                }
            }
        }
    }

    // MARK: An Anthropic client's tool_use round trip, translated to OpenAI chat

    static func anthropicRoundTrip(_ request: String) throws -> AnthropicMessage {
        let anthropic = try WireJSON.decode(AnthropicMessagesRequest.self, from: request)
        let chat = AnthropicRequestToChat.translate(anthropic).value
        let input = try #require(MockCompletion.parse(WireJSON.buffer(chat), endpoint: .chatCompletions))
        let completion = try WireJSON.decode(OpenAIChatCompletion.self, from: MockCompletion.answer(input, endpoint: .chatCompletions))
        return ChatCompletionToAnthropic.translate(completion, model: anthropic.model).value
    }

    static let anthropicTools = #"[{"name":"get_weather","description":"Current weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}]"#

    @Test func anAnthropicToolUseRoundTrip() throws {
        let first = try Self.anthropicRoundTrip(
            #"{"model":"claude-sonnet-4-5","max_tokens":256,"tools":\#(Self.anthropicTools),"#
                + #""messages":[{"role":"user","content":"call get_weather {\"city\":\"Paris\"}"}]}"#)
        #expect(first.stopReason == "tool_use")
        let toolUse = try #require(first.content.first)
        guard case .toolUse(let id, let name, let input) = toolUse else {
            Issue.record("not a tool_use: \(first.content)")
            return
        }
        #expect(id.hasPrefix("call_mock_"))
        #expect(name == "get_weather")
        #expect(input == .object(["city": .string("Paris")]))

        let second = try Self.anthropicRoundTrip(
            #"{"model":"claude-sonnet-4-5","max_tokens":256,"tools":\#(Self.anthropicTools),"messages":["#
                + #"{"role":"user","content":"call get_weather {\"city\":\"Paris\"}"},"#
                + #"{"role":"assistant","content":[{"type":"tool_use","id":"\#(id)","name":"get_weather","input":{"city":"Paris"}}]},"#
                + #"{"role":"user","content":[{"type":"tool_result","tool_use_id":"\#(id)","content":"sunny"}]}]}"#)
        #expect(second.stopReason == "end_turn")
        #expect(second.content == [.text("get_weather returned: sunny")])
    }

    @Test func anAnthropicStreamedToolUse() throws {
        let request = try WireJSON.decode(
            AnthropicMessagesRequest.self,
            from: #"{"model":"claude-sonnet-4-5","max_tokens":256,"stream":true,"tools":\#(Self.anthropicTools),"tool_choice":{"type":"any"},"#
                + #""messages":[{"role":"user","content":"weather in Paris"}]}"#)
        let chat = AnthropicRequestToChat.translate(request).value
        let input = try #require(MockCompletion.parse(WireJSON.buffer(chat), endpoint: .chatCompletions))
        var translator = ChatStreamToAnthropic(model: request.model)
        var outputs = MockCompletion.events(input, endpoint: .chatCompletions).map { translator.feed($0) }
        outputs.append(translator.finish())
        let events = AnthropicGolden.events(outputs)
        #expect(
            events.map(\.name) == [
                "message_start", "ping", "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta",
                "content_block_stop", "message_delta", "message_stop",
            ])
        let partial = events.compactMap { AnthropicGolden.member($0.data, "delta", "partial_json")?.stringValue }
        #expect(partial.joined() == #"{"text":"weather in Paris"}"#)
        #expect(AnthropicGolden.member(events[2].data, "content_block", "name")?.stringValue == "get_weather")
        #expect(AnthropicGolden.member(events[7].data, "delta", "stop_reason")?.stringValue == "tool_use")
        #expect(translator.notes.isEmpty)
    }
}
