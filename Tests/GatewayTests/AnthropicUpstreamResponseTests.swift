import Foundation
import Testing
@testable import Gateway

/// Anthropic messages as OpenAI chat completions (an OpenAI client, an Anthropic provider).
@Suite struct AnthropicUpstreamResponseTests {
    func translate(_ json: String, model: String? = nil) throws -> Translated<OpenAIChatCompletion> {
        AnthropicMessageToChat.translate(try WireJSON.decode(AnthropicMessage.self, from: json), created: 1_700_000_000, model: model)
    }

    @Test func textToolUseAndCachedUsage() throws {
        let json = #"""
            {"id":"msg_01","type":"message","role":"assistant","model":"claude-sonnet-4-5","stop_reason":"tool_use","stop_sequence":null,
             "content":[{"type":"thinking","thinking":"hmm","signature":"sig"},{"type":"text","text":"Checking "},{"type":"text","text":"now."},
               {"type":"tool_use","id":"toolu_01","name":"get_weather","input":{"city":"Paris","days":3}}],
             "usage":{"input_tokens":50,"output_tokens":30,"cache_read_input_tokens":900,"cache_creation_input_tokens":100,"service_tier":"standard"}}
            """#
        let translated = try translate(json)
        let expected = #"""
            {"id":"msg_01","object":"chat.completion","created":1700000000,"model":"claude-sonnet-4-5",
             "choices":[{"index":0,"logprobs":null,"finish_reason":"tool_calls","message":{"role":"assistant","content":"Checking now.","refusal":null,
               "tool_calls":[{"id":"toolu_01","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\",\"days\":3}"}}]}}],
             "usage":{"prompt_tokens":1050,"completion_tokens":30,"total_tokens":1080,"prompt_tokens_details":{"cached_tokens":900,"cache_write_tokens":100}}}
            """#
        #expect(try AnthropicGolden.json(translated.value) == AnthropicGolden.json(expected))
        #expect(translated.notes == [.droppedContent("answer block 'thinking'")])
        #expect(translated.value.usage?.gatewayUsage == Usage(promptTokens: 1050, completionTokens: 30, cachedTokens: 900))
    }

    @Test func onlyToolUseHasNullContent() throws {
        let json = #"{"id":"msg_2","type":"message","role":"assistant","model":"m","stop_reason":"tool_use","content":[{"type":"tool_use","id":"t","name":"f","input":{}}],"usage":{"input_tokens":1,"output_tokens":2}}"#
        let completion = try translate(json, model: "alias").value
        #expect(completion.model == "alias")
        #expect(completion.choices[0].message.content == nil)
        #expect(completion.choices[0].message.toolCalls == [OpenAIToolCall(id: "t", name: "f", arguments: "{}")])
        #expect(AnthropicGolden.member(try AnthropicGolden.json(completion), "choices", "0", "message", "content") == .null)
    }

    @Test(arguments: [
        ("end_turn", "stop"), ("stop_sequence", "stop"), ("max_tokens", "length"), ("tool_use", "tool_calls"), ("pause_turn", "stop"),
        ("refusal", "content_filter"), ("model_context_window_exceeded", "length"),
    ])
    func stopReasons(stopReason: String, finishReason: String) throws {
        let json = #"{"id":"m","type":"message","role":"assistant","model":"m","stop_reason":"\#(stopReason)","content":[{"type":"text","text":"x"}],"usage":{"input_tokens":1,"output_tokens":1}}"#
        #expect(try translate(json).value.choices[0].finishReason == finishReason)
    }

    @Test func anthropicErrorsMapToOpenAITypes() {
        #expect(AnthropicError(status: 429, message: "").openAIType == "rate_limit_exceeded")
        #expect(AnthropicError(status: 401, message: "").openAIType == "authentication_error")
        #expect(AnthropicError(status: 400, message: "").openAIType == "invalid_request_error")
        #expect(AnthropicError(status: 529, message: "").openAIType == "server_error")
    }
}
