import Foundation
import Testing
@testable import Gateway

@Suite struct AnthropicRequestToChatTests {
    func translate(_ json: String) throws -> Translated<OpenAIChatRequest> {
        AnthropicRequestToChat.translate(try WireJSON.decode(AnthropicMessagesRequest.self, from: json))
    }

    @Test func everyBlockTypeAndParameter() throws {
        let translated = try translate(AnthropicWireTypesTests.fullRequest)
        let expected = #"""
            {
              "model": "claude-sonnet-4-5",
              "messages": [
                {"role": "system", "content": "You are terse.\nAnswer in English."},
                {"role": "user", "content": "What is in these?"},
                {"role": "user", "content": [
                  {"type": "text", "text": "Look:"},
                  {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
                  {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}}
                ]},
                {"role": "assistant", "content": "Let me check.", "tool_calls": [
                  {"id": "toolu_01", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\",\"days\":3,\"units\":{\"temp\":\"C\"}}"}}
                ]},
                {"role": "tool", "tool_call_id": "toolu_01", "content": "18 C, sunny"},
                {"role": "tool", "tool_call_id": "toolu_02", "content": "failed"}
              ],
              "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather by city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
              "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
              "parallel_tool_calls": false,
              "max_completion_tokens": 1024,
              "temperature": 0.5,
              "top_p": 0.9,
              "stop": ["END"],
              "stream": true,
              "stream_options": {"include_usage": true},
              "user": "user-42"
            }
            """#
        #expect(try AnthropicGolden.json(translated.value) == AnthropicGolden.json(expected))
        #expect(translated.notes.contains(.droppedParameter("top_k")))
        #expect(translated.notes.contains(.droppedContent("content block 'document'")))
        #expect(translated.notes.contains(.droppedParameter("is_error of tool result 'toolu_02'")))
        #expect(translated.notes.count == 3)
    }

    @Test func theArgumentsStringParsesBackToTheInput() throws {
        let translated = try translate(AnthropicWireTypesTests.fullRequest)
        let arguments = try #require(translated.value.messages[3].toolCalls?.first?.function.arguments)
        #expect(
            JSONValue.parse(arguments)
                == .object(["city": .string("Paris"), "days": .integer(3), "units": .object(["temp": .string("C")])]))
    }

    @Test(arguments: [
        (#"{"type":"auto"}"#, #""auto""#),
        (#"{"type":"any"}"#, #""required""#),
        (#"{"type":"tool","name":"f"}"#, #"{"type":"function","function":{"name":"f"}}"#),
        (#"{"type":"none"}"#, #""none""#),
    ])
    func toolChoices(anthropic: String, openAI: String) throws {
        let json = #"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"tools":[{"name":"f","input_schema":{"type":"object"}}],"tool_choice":\#(anthropic)}"#
        let chat = try translate(json).value
        #expect(try AnthropicGolden.json(chat.toolChoice) == AnthropicGolden.json(openAI))
        #expect(chat.parallelToolCalls == nil)
    }

    @Test func aMinimalRequestHasNoStreamOptionsAndNoTools() throws {
        let chat = try translate(#"{"model":"m","max_tokens":5,"system":"Be kind.","messages":[{"role":"user","content":"hi"}]}"#)
        let expected = #"{"model":"m","max_completion_tokens":5,"messages":[{"role":"system","content":"Be kind."},{"role":"user","content":"hi"}]}"#
        #expect(try AnthropicGolden.json(chat.value) == AnthropicGolden.json(expected))
        #expect(chat.notes.isEmpty)
    }

    @Test func toolResultImagesFollowTheToolMessagesAndServerToolsAreDropped() throws {
        let json = #"""
            {"model":"m","max_tokens":5,"thinking":{"type":"enabled","budget_tokens":1024},
             "tools":[{"type":"web_search_20250305","name":"web_search"},{"type":"custom","name":"shot","input_schema":{"type":"object"}}],
             "messages":[
              {"role":"assistant","content":[{"type":"thinking","thinking":"x","signature":"s"}]},
              {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"shot","input":{}}]},
              {"role":"user","content":[
                {"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"here"},{"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"AAAA"}}]},
                {"type":"text","text":"and?"}
              ]}]}
            """#
        let translated = try translate(json)
        let expected = #"""
            {"model":"m","max_completion_tokens":5,
             "tools":[{"type":"function","function":{"name":"shot","parameters":{"type":"object"}}}],
             "messages":[
              {"role":"assistant","tool_calls":[{"id":"t1","type":"function","function":{"name":"shot","arguments":"{}"}}]},
              {"role":"tool","tool_call_id":"t1","content":"here"},
              {"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,AAAA"}}]},
              {"role":"user","content":"and?"}]}
            """#
        #expect(try AnthropicGolden.json(translated.value) == AnthropicGolden.json(expected))
        #expect(translated.notes.contains(.droppedParameter("thinking")))
        #expect(translated.notes.contains(.droppedContent("server tool 'web_search' (web_search_20250305)")))
        #expect(translated.notes.contains(.droppedContent("assistant block 'thinking'")))
        #expect(translated.notes.contains(.reshaped("an assistant turn with nothing to carry was left out")))
    }
}

extension AnthropicRequestToChatTests {
    @Test func aToolChoiceWithoutToolsIsDroppedAsOpenAIRefusesIt() throws {
        let translated = try translate(
            #"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"web_search_20250305","name":"web_search"}],"tool_choice":{"type":"any"}}"#)
        #expect(translated.value.toolChoice == nil && translated.value.tools == nil)
        #expect(translated.notes.contains(.droppedParameter("tool_choice (any) without tools")))
        let back = ChatRequestToAnthropic.translate(
            try WireJSON.decode(OpenAIChatRequest.self, from: #"{"model":"m","messages":[{"role":"user","content":"hi"}],"tool_choice":"required"}"#))
        #expect(back.value.toolChoice == nil && back.notes == [.droppedParameter("tool_choice without tools")])
    }
}

extension AnthropicRequestToChatTests {
    @Test func theMaximumCanGoInTheOlderMaxTokens() throws {
        let request = try WireJSON.decode(AnthropicMessagesRequest.self, from: #"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#)
        let chat = AnthropicRequestToChat.translate(request, maxTokensField: .maxTokens).value
        #expect(chat.maxTokens == 5 && chat.maxCompletionTokens == nil)
    }
}
