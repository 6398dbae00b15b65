import Foundation
import Testing
@testable import Gateway

/// OpenAI chat requests as Anthropic Messages requests (an OpenAI client, an Anthropic provider).
@Suite struct AnthropicUpstreamRequestTests {
    func translate(_ json: String) throws -> Translated<AnthropicMessagesRequest> {
        ChatRequestToAnthropic.translate(try WireJSON.decode(OpenAIChatRequest.self, from: json))
    }

    @Test func aToolConversationWithEveryMessageKind() throws {
        let json = #"""
            {"model":"claude-sonnet-4-5","max_completion_tokens":512,"temperature":0.3,"top_p":0.8,"stop":"END","user":"u1","stream":true,
             "stream_options":{"include_usage":true},"parallel_tool_calls":false,
             "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},
                      {"type":"function","function":{"name":"now"}}],
             "tool_choice":"required",
             "messages":[
              {"role":"system","content":"You are terse."},
              {"role":"developer","content":[{"type":"text","text":"Use metric units."}]},
              {"role":"user","content":"Weather in Paris and the time?"},
              {"role":"user","content":[{"type":"text","text":"Also this:"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"low"}},
                {"type":"image_url","image_url":{"url":"https://example.com/a.png"}}]},
              {"role":"assistant","content":"Checking.","tool_calls":[
                {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
                {"id":"call_2","type":"function","function":{"name":"now","arguments":""}}]},
              {"role":"tool","tool_call_id":"call_1","content":"18 C"},
              {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"12:00"}]},
              {"role":"user","content":"Thanks"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_3","type":"function","function":{"name":"now","arguments":"{}"}}]}
             ]}
            """#
        let translated = try translate(json)
        let expected = #"""
            {"model":"claude-sonnet-4-5","max_tokens":512,"temperature":0.3,"top_p":0.8,"stop_sequences":["END"],"metadata":{"user_id":"u1"},"stream":true,
             "system":[{"type":"text","text":"You are terse."},{"type":"text","text":"Use metric units."}],
             "tools":[{"name":"get_weather","description":"Weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}},
                      {"name":"now","input_schema":{"type":"object","properties":{}}}],
             "tool_choice":{"type":"any","disable_parallel_tool_use":true},
             "messages":[
              {"role":"user","content":[{"type":"text","text":"Weather in Paris and the time?"},{"type":"text","text":"Also this:"},
                {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
                {"type":"image","source":{"type":"url","url":"https://example.com/a.png"}}]},
              {"role":"assistant","content":[{"type":"text","text":"Checking."},
                {"type":"tool_use","id":"call_1","name":"get_weather","input":{"city":"Paris"}},
                {"type":"tool_use","id":"call_2","name":"now","input":{}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"18 C"},
                {"type":"tool_result","tool_use_id":"call_2","content":"12:00"},{"type":"text","text":"Thanks"}]},
              {"role":"assistant","content":[{"type":"tool_use","id":"call_3","name":"now","input":{}}]}
             ]}
            """#
        #expect(try AnthropicGolden.json(translated.value) == AnthropicGolden.json(expected))
        #expect(translated.notes.isEmpty)
    }

    @Test func aBareRequestGetsTheDefaultMaximum() throws {
        let translated = try translate(#"{"model":"m","messages":[{"role":"user","content":"hi"}]}"#)
        #expect(try AnthropicGolden.json(translated.value) == AnthropicGolden.json(#"{"model":"m","max_tokens":4096,"messages":[{"role":"user","content":"hi"}]}"#))
        #expect(ChatRequestToAnthropic.defaultMaxTokens == 4096)
        #expect(try translate(#"{"model":"m","max_tokens":77,"messages":[{"role":"user","content":"hi"}]}"#).value.maxTokens == 77)
    }

    @Test(arguments: [
        (#""auto""#, #"{"type":"auto"}"#),
        (#""required""#, #"{"type":"any"}"#),
        (#""none""#, #"{"type":"none"}"#),
        (#"{"type":"function","function":{"name":"f"}}"#, #"{"type":"tool","name":"f"}"#),
    ])
    func toolChoices(openAI: String, anthropic: String) throws {
        let json = #"{"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":\#(openAI)}"#
        #expect(try AnthropicGolden.json(translate(json).value.toolChoice) == AnthropicGolden.json(anthropic))
    }

    @Test func droppedParametersClampedTemperatureAndLateSystemAreNoted() throws {
        let json = #"""
            {"model":"m","temperature":1.5,"n":2,"seed":7,"response_format":{"type":"json_object"},"presence_penalty":0.5,"logprobs":false,
             "messages":[{"role":"user","content":"hi"},{"role":"system","content":"late"},{"role":"assistant","content":""},
               {"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"not json"}}]},
               {"role":"user","content":[{"type":"input_audio","input_audio":{"data":"x","format":"wav"}},{"type":"text","text":"ok"}]}]}
            """#
        let translated = try translate(json)
        #expect(translated.value.temperature == 1)
        #expect(translated.value.system == .text("late"))
        #expect(translated.value.messages.map(\.role) == ["user", "assistant", "user"])
        #expect(translated.value.messages[1].content == .blocks([.toolUse(id: "c", name: "f", input: .emptyObject)]))
        #expect(translated.value.messages[2].content == .text("ok"))
        #expect(
            Set(translated.notes.map(\.description)) == Set([
                TranslationNote.clamped(parameter: "temperature", from: 1.5, to: 1), .droppedParameter("n"), .droppedParameter("seed"),
                .droppedParameter("response_format"), .droppedParameter("presence_penalty"),
                .reshaped("a system message after the first turn moved to system"),
                .reshaped("an assistant message with nothing to carry was left out"),
                .invalidToolArguments(toolCallID: "c", arguments: "not json"), .droppedContent("content part 'input_audio'"),
            ].map(\.description)))
    }

    @Test func dataURLsSplitIntoMediaTypeAndData() {
        #expect(ChatRequestToAnthropic.imageSource("data:image/webp;base64,AAA=") == .base64(mediaType: "image/webp", data: "AAA="))
        #expect(ChatRequestToAnthropic.imageSource("data:image/png,raw") == .url("data:image/png,raw"))
        #expect(ChatRequestToAnthropic.imageSource("https://x/y.png") == .url("https://x/y.png"))
    }

    @Test func aRoundTripThroughBothTranslationsKeepsTheConversation() throws {
        let anthropic = try WireJSON.decode(AnthropicMessagesRequest.self, from: AnthropicWireTypesTests.fullRequest)
        var back = ChatRequestToAnthropic.translate(AnthropicRequestToChat.translate(anthropic).value).value
        // What does not survive: top_k (no OpenAI equivalent), the document block, the system's block shape.
        var original = anthropic
        original.topK = nil
        original.messages[3].content = .blocks(Array(original.messages[3].content.blocks.prefix(2)))
        original.system = .text("You are terse.\nAnswer in English.")
        // The second tool result's blocks come back as a string.
        original.messages[3].content = .blocks([
            original.messages[3].content.blocks[0], .toolResult(toolUseID: "toolu_02", content: .text("failed"), isError: nil),
        ])
        // Consecutive user turns are merged.
        original.messages = [
            .init(role: "user", content: .blocks([.text("What is in these?")] + original.messages[1].content.blocks)), original.messages[2],
            original.messages[3],
        ]
        back.stream = back.stream ?? false
        original.stream = original.stream ?? false
        #expect(back == original)
    }
}
