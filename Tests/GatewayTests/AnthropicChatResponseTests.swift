import Foundation
import Testing
@testable import Gateway

/// OpenAI chat completions as Anthropic messages (an Anthropic client, an OpenAI-compatible provider).
@Suite struct AnthropicChatResponseTests {
    func translate(_ json: String, model: String? = nil) throws -> Translated<AnthropicMessage> {
        ChatCompletionToAnthropic.translate(try WireJSON.decode(OpenAIChatCompletion.self, from: json), model: model)
    }

    static func completion(message: String, finish: String, usage: String = #"{"prompt_tokens":100,"completion_tokens":20,"total_tokens":120}"#, extra: String = "")
        -> String
    {
        #"{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o","choices":[{"index":0,"message":\#(message),"finish_reason":"\#(finish)"\#(extra),"logprobs":null}],"usage":\#(usage)}"#
    }

    @Test func textWithCachedTokens() throws {
        let json = Self.completion(
            message: #"{"role":"assistant","content":"Hello there","refusal":null}"#, finish: "stop",
            usage: #"{"prompt_tokens":1000,"completion_tokens":20,"total_tokens":1020,"prompt_tokens_details":{"cached_tokens":800,"audio_tokens":0}}"#)
        let translated = try translate(json, model: "claude-sonnet-4-5")
        let expected = #"""
            {"id":"chatcmpl-1","type":"message","role":"assistant","model":"claude-sonnet-4-5",
             "content":[{"type":"text","text":"Hello there"}],"stop_reason":"end_turn","stop_sequence":null,
             "usage":{"input_tokens":200,"output_tokens":20,"cache_read_input_tokens":800,"cache_creation_input_tokens":0}}
            """#
        #expect(try AnthropicGolden.json(translated.value) == AnthropicGolden.json(expected))
        #expect(translated.notes.isEmpty)
    }

    @Test func textAndToolCalls() throws {
        let json = Self.completion(
            message: #"""
                {"role":"assistant","content":"Checking.","tool_calls":[
                  {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\",\"days\":3}"}},
                  {"id":"call_2","type":"function","function":{"name":"now","arguments":""}}]}
                """#, finish: "tool_calls")
        let translated = try translate(json)
        let expected = #"""
            {"id":"chatcmpl-1","type":"message","role":"assistant","model":"gpt-4o","stop_reason":"tool_use","stop_sequence":null,
             "content":[{"type":"text","text":"Checking."},
               {"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris","days":3}},
               {"type":"tool_use","id":"call_2","name":"now","input":{}}],
             "usage":{"input_tokens":100,"output_tokens":20,"cache_read_input_tokens":0,"cache_creation_input_tokens":0}}
            """#
        #expect(try AnthropicGolden.json(translated.value) == AnthropicGolden.json(expected))
        #expect(translated.notes.isEmpty)
    }

    @Test func invalidArgumentsBecomeAnEmptyInputWithANote() throws {
        let json = Self.completion(
            message: #"{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"f","arguments":"{\"a\":"}}]}"#,
            finish: "tool_calls")
        let translated = try translate(json)
        #expect(translated.value.content == [.toolUse(id: "call_1", name: "f", input: .emptyObject)])
        #expect(translated.notes == [.invalidToolArguments(toolCallID: "call_1", arguments: #"{"a":"#)])
    }

    @Test(arguments: [
        ("stop", "", "end_turn", nil),
        ("length", "", "max_tokens", nil),
        ("tool_calls", "", "tool_use", nil),
        ("content_filter", "", "end_turn", nil),
        ("stop", #","stop_reason":"END""#, "stop_sequence", "END"),
        ("stop", #","matched_stop":"STOP""#, "stop_sequence", "STOP"),
        ("stop", #","stop_reason":128009"#, "end_turn", nil),
    ] as [(String, String, String, String?)])
    func stopReasons(finish: String, extra: String, stopReason: String, stopSequence: String?) throws {
        let json = Self.completion(message: #"{"role":"assistant","content":"x"}"#, finish: finish, extra: extra)
        let message = try translate(json).value
        #expect(message.stopReason == stopReason)
        #expect(message.stopSequence == stopSequence)
    }

    @Test func aStopWithToolCallsIsToolUse() throws {
        let json = Self.completion(
            message: #"{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]}"#, finish: "stop")
        #expect(try translate(json).value.stopReason == "tool_use")
    }

    @Test func cacheWritesTheProviderReportsAreCacheCreation() throws {
        let json = Self.completion(
            message: #"{"role":"assistant","content":"x"}"#, finish: "stop",
            usage: #"{"prompt_tokens":1000,"completion_tokens":5,"total_tokens":1005,"prompt_tokens_details":{"cached_tokens":300,"cache_write_tokens":600}}"#)
        let usage = try translate(json).value.usage
        #expect(usage == AnthropicUsage(inputTokens: 100, outputTokens: 5, cacheCreationInputTokens: 600, cacheReadInputTokens: 300))
        #expect(usage.openAI == OpenAIUsage(promptTokens: 1000, completionTokens: 5, cachedTokens: 300, cacheWriteTokens: 600))
    }
}
