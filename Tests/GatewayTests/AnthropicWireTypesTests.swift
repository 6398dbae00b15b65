import Foundation
import NIOCore
import Testing
@testable import Gateway

@Suite struct AnthropicWireTypesTests {
    static let fullRequest = #"""
        {
          "model": "claude-sonnet-4-5",
          "system": [{"type": "text", "text": "You are terse."}, {"type": "text", "text": "Answer in English."}],
          "messages": [
            {"role": "user", "content": "What is in these?"},
            {"role": "user", "content": [
              {"type": "text", "text": "Look:"},
              {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
              {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}}
            ]},
            {"role": "assistant", "content": [
              {"type": "text", "text": "Let me check."},
              {"type": "tool_use", "id": "toolu_01", "name": "get_weather", "input": {"city": "Paris", "days": 3, "units": {"temp": "C"}}}
            ]},
            {"role": "user", "content": [
              {"type": "tool_result", "tool_use_id": "toolu_01", "content": "18 C, sunny"},
              {"type": "tool_result", "tool_use_id": "toolu_02", "content": [{"type": "text", "text": "failed"}], "is_error": true},
              {"type": "document", "source": {"type": "text", "media_type": "text/plain", "data": "kept whole"}}
            ]}
          ],
          "tools": [{"name": "get_weather", "description": "Weather by city", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}],
          "tool_choice": {"type": "tool", "name": "get_weather", "disable_parallel_tool_use": true},
          "max_tokens": 1024,
          "temperature": 0.5,
          "top_p": 0.9,
          "top_k": 40,
          "stop_sequences": ["END"],
          "stream": true,
          "metadata": {"user_id": "user-42"}
        }
        """#

    @Test func aFullRequestDecodesAndEncodesBackToTheSameJSON() throws {
        let request = try WireJSON.decode(AnthropicMessagesRequest.self, from: Self.fullRequest)
        #expect(request.system == .blocks([.text("You are terse."), .text("Answer in English.")]))
        #expect(request.messages[0].content == .text("What is in these?"))
        #expect(
            request.messages[1].content
                == .blocks([
                    .text("Look:"), .image(.base64(mediaType: "image/png", data: "iVBORw0KGgo=")), .image(.url("https://example.com/cat.jpg")),
                ]))
        #expect(
            request.messages[2].content.blocks[1]
                == .toolUse(
                    id: "toolu_01", name: "get_weather",
                    input: .object(["city": .string("Paris"), "days": .integer(3), "units": .object(["temp": .string("C")])])))
        #expect(request.messages[3].content.blocks[0] == .toolResult(toolUseID: "toolu_01", content: .text("18 C, sunny"), isError: nil))
        #expect(request.messages[3].content.blocks[1] == .toolResult(toolUseID: "toolu_02", content: .blocks([.text("failed")]), isError: true))
        #expect(request.messages[3].content.blocks[2].type == "document")
        #expect(request.toolChoice == .tool(name: "get_weather", disableParallelToolUse: true))
        #expect(request.maxTokens == 1024 && request.topK == 40 && request.stopSequences == ["END"] && request.metadata?.userID == "user-42")
        #expect(try AnthropicGolden.json(request) == AnthropicGolden.json(Self.fullRequest))
    }

    @Test(arguments: [
        (#"{"type":"auto"}"#, AnthropicToolChoice.auto()),
        (#"{"type":"any","disable_parallel_tool_use":false}"#, .any(disableParallelToolUse: false)),
        (#"{"type":"tool","name":"f"}"#, .tool(name: "f")),
        (#"{"type":"none"}"#, AnthropicToolChoice.none),
    ])
    func toolChoicesRoundTrip(json: String, choice: AnthropicToolChoice) throws {
        #expect(try WireJSON.decode(AnthropicToolChoice.self, from: json) == choice)
        #expect(try AnthropicGolden.json(choice) == AnthropicGolden.json(json))
    }

    @Test func aMessageHasExplicitNullsAndTheSDKsUsageShape() throws {
        let message = AnthropicMessage(
            id: "msg_1", content: [.text("Hi"), .toolUse(id: "toolu_1", name: "f", input: .object(["a": .integer(1)]))], model: "m",
            stopReason: "tool_use", usage: AnthropicUsage(inputTokens: 10, outputTokens: 5, cacheCreationInputTokens: 0, cacheReadInputTokens: 90))
        let expected = #"""
            {"id":"msg_1","type":"message","role":"assistant","model":"m","stop_reason":"tool_use","stop_sequence":null,
             "content":[{"type":"text","text":"Hi"},{"type":"tool_use","id":"toolu_1","name":"f","input":{"a":1}}],
             "usage":{"input_tokens":10,"output_tokens":5,"cache_creation_input_tokens":0,"cache_read_input_tokens":90}}
            """#
        #expect(try AnthropicGolden.json(message) == AnthropicGolden.json(expected))
        #expect(try WireJSON.decode(AnthropicMessage.self, from: expected) == message)
        #expect(message.usage.promptTokens == 100)
    }

    @Test(arguments: [
        (400, "invalid_request_error"), (401, "authentication_error"), (402, "billing_error"), (403, "permission_error"),
        (404, "not_found_error"), (413, "request_too_large"), (429, "rate_limit_error"), (500, "api_error"), (504, "timeout_error"),
        (529, "overloaded_error"),
    ])
    func errorTypesFollowAnthropicsStatusTable(status: Int, type: String) throws {
        #expect(AnthropicError.type(forStatus: status) == type)
        #expect(AnthropicError.status(forType: type) == status)
        let error = AnthropicError(status: status, message: "nope", requestID: "req_1")
        #expect(
            try AnthropicGolden.json(error)
                == AnthropicGolden.json(#"{"type":"error","error":{"type":"\#(type)","message":"nope"},"request_id":"req_1"}"#))
    }

    @Test func otherStatusesFallBackByClass() {
        #expect(AnthropicError.type(forStatus: 422) == "invalid_request_error")
        #expect(AnthropicError.type(forStatus: 502) == "api_error")
        #expect(AnthropicError.type(forStatus: 503) == "overloaded_error")
        #expect(AnthropicError.status(forType: "something_new") == 500)
    }

    @Test func streamEventsAreFramedWithTheirNameAndRoundTrip() throws {
        let events: [(AnthropicStreamEvent, String)] = [
            (
                .messageStart(AnthropicMessage(id: "msg_1", content: [], model: "m", stopReason: nil, usage: .init(inputTokens: 7, outputTokens: 1))),
                #"{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"m","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":7,"output_tokens":1}}}"#
            ),
            (.contentBlockStart(index: 0, block: .text("")), #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
            (
                .contentBlockStart(index: 1, block: .toolUse(id: "toolu_1", name: "f", input: .emptyObject)),
                #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"f","input":{}}}"#
            ),
            (.contentBlockDelta(index: 0, delta: .text("Hi")), #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}"#),
            (
                .contentBlockDelta(index: 1, delta: .inputJSON(#"{"a":"#)),
                #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}}"#
            ),
            (.contentBlockStop(index: 1), #"{"type":"content_block_stop","index":1}"#),
            (
                .messageDelta(stopReason: "end_turn", stopSequence: nil, usage: .init(outputTokens: 12)),
                #"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":12}}"#
            ),
            (.messageStop, #"{"type":"message_stop"}"#),
            (.ping, #"{"type":"ping"}"#),
            (.error(.init(type: "overloaded_error", message: "Overloaded")), #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#),
        ]
        for (event, json) in events {
            var buffer = ByteBuffer()
            event.write(to: &buffer)
            let framed = String(buffer: buffer)
            #expect(framed.hasPrefix("event: \(event.name)\ndata: ") && framed.hasSuffix("}\n\n"))
            let parsed = AnthropicGolden.events(buffer)
            #expect(parsed.count == 1 && parsed.first?.name == event.name)
            #expect(try parsed.first?.data == AnthropicGolden.json(json))
            #expect(try WireJSON.decode(AnthropicStreamEvent.self, from: json) == event)
        }
        var stop = ByteBuffer()
        AnthropicStreamEvent.messageStop.write(to: &stop)
        #expect(String(buffer: stop) == "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n")
    }

    @Test func unknownDeltasAndBlocksAreKeptWhole() throws {
        let thinking = #"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}}"#
        let event = try WireJSON.decode(AnthropicStreamEvent.self, from: thinking)
        guard case .contentBlockDelta(0, .other(let type, _)) = event else {
            Issue.record("not kept: \(event)")
            return
        }
        #expect(type == "thinking_delta")
        #expect(try AnthropicGolden.json(event) == AnthropicGolden.json(thinking))
    }

    @Test func jsonValueKeepsIntegersAndNumbersApart() throws {
        let value = try AnthropicGolden.json(#"{"i":3,"d":2.5,"big":9007199254740993,"n":null,"b":true,"a":[1,"x"]}"#)
        #expect(value.objectValue?["i"] == .integer(3) && value.objectValue?["d"] == .number(2.5))
        #expect(value.objectValue?["big"] == .integer(9_007_199_254_740_993))
        #expect(value.jsonText == #"{"a":[1,"x"],"b":true,"big":9007199254740993,"d":2.5,"i":3,"n":null}"#)
    }
}
