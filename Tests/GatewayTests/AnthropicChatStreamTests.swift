import Foundation
import NIOCore
import Testing
@testable import Gateway

/// OpenAI chat streams as Anthropic Messages streams (an Anthropic client, an OpenAI-compatible provider).
@Suite struct AnthropicChatStreamTests {
    static func chunk(_ delta: String, finish: String? = nil) -> String {
        let reason = finish.map { #""\#($0)""# } ?? "null"
        return #"{"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":\#(delta),"logprobs":null,"finish_reason":\#(reason)}],"usage":null}"#
    }

    static let usageChunk =
        #"{"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":1000,"completion_tokens":42,"total_tokens":1042,"prompt_tokens_details":{"cached_tokens":600}}}"#

    static let weatherArguments = #"{"city": "Paris", "days": 3}"#

    /// Text, then two tool calls, the first one's arguments in four pieces; finish; usage; [DONE].
    static let mixed: [String] = [
        chunk(#"{"role":"assistant","content":"","refusal":null}"#),
        chunk(#"{"content":"Let me "}"#),
        chunk(#"{"content":"check."}"#),
        chunk(#"{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}]}"#),
        chunk(#"{"tool_calls":[{"index":0,"function":{"arguments":"{\"ci"}}]}"#),
        chunk(#"{"tool_calls":[{"index":0,"function":{"arguments":"ty\": \"Par"}}]}"#),
        chunk(#"{"tool_calls":[{"index":0,"function":{"arguments":"is\", \"da"}}]}"#),
        chunk(#"{"tool_calls":[{"index":0,"function":{"arguments":"ys\": 3}"}}]}"#),
        chunk(#"{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"now","arguments":"{}"}}]}"#),
        chunk("{}", finish: "tool_calls"),
        usageChunk,
        "[DONE]",
    ]

    func run(_ data: [String], model: String? = "claude-sonnet-4-5", inputTokens: Int = 0) -> (events: [AnthropicGolden.Event], perChunk: [ByteBuffer], translator: ChatStreamToAnthropic) {
        var translator = ChatStreamToAnthropic(model: model, inputTokens: inputTokens)
        var outputs = data.map { translator.feed(data: $0) }
        outputs.append(translator.finish())
        return (AnthropicGolden.events(outputs), outputs, translator)
    }

    @Test func textThenToolCallsInOrderWithUsage() throws {
        let (events, perChunk, translator) = run(Self.mixed, inputTokens: 900)
        let expected: [(String, String)] = [
            ("message_start", #"{"type":"message_start","message":{"id":"chatcmpl-9","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":900,"output_tokens":0}}}"#),
            ("ping", #"{"type":"ping"}"#),
            ("content_block_start", #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Let me "}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"check."}}"#),
            ("content_block_stop", #"{"type":"content_block_stop","index":0}"#),
            ("content_block_start", #"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"call_a","name":"get_weather","input":{}}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"ci"}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ty\": \"Par"}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"is\", \"da"}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ys\": 3}"}}"#),
            ("content_block_stop", #"{"type":"content_block_stop","index":1}"#),
            ("content_block_start", #"{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"call_b","name":"now","input":{}}}"#),
            ("content_block_delta", #"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{}"}}"#),
            ("content_block_stop", #"{"type":"content_block_stop","index":2}"#),
            ("message_delta", #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"input_tokens":400,"output_tokens":42,"cache_read_input_tokens":600,"cache_creation_input_tokens":0}}"#),
            ("message_stop", #"{"type":"message_stop"}"#),
        ]
        #expect(events.map(\.name) == expected.map(\.0))
        for (event, (_, json)) in zip(events, expected) {
            #expect(try event.data == AnthropicGolden.json(json), "\(event)")
        }
        // Nothing waits: each content chunk's events come out of its own call.
        #expect(String(buffer: perChunk[0]).hasPrefix("event: message_start\n"))
        #expect(String(buffer: perChunk[1]).contains("Let me "))
        #expect(String(buffer: perChunk[5]).contains("input_json_delta"))
        #expect(String(buffer: perChunk[9]).contains("content_block_stop") && !String(buffer: perChunk[9]).contains("message_delta"))
        #expect(String(buffer: perChunk[10]).contains("message_stop"))
        #expect(perChunk[11].readableBytes == 0 && perChunk[12].readableBytes == 0)
        #expect(translator.usage?.gatewayUsage == Usage(promptTokens: 1000, completionTokens: 42, cachedTokens: 600))
        #expect(translator.notes.isEmpty)
    }

    @Test func thePiecesOfTheArgumentsJoinToTheOriginal() {
        let events = run(Self.mixed).events
        let pieces = events.filter { AnthropicGolden.member($0.data, "index") == .integer(1) && $0.name == "content_block_delta" }
            .compactMap { AnthropicGolden.member($0.data, "delta", "partial_json")?.stringValue }
        #expect(pieces.count == 4)
        #expect(pieces.joined() == Self.weatherArguments)
    }

    @Test func bytesSplitAnywhereGiveTheSameEvents() {
        let whole = run(Self.mixed).events
        let wire = Array(AnthropicGolden.sse(Self.mixed).utf8)
        for step in [1, 7, 64] {
            var translator = ChatStreamToAnthropic(model: "claude-sonnet-4-5")
            var outputs: [ByteBuffer] = []
            var at = 0
            while at < wire.count {
                outputs.append(translator.feed(ByteBuffer(bytes: wire[at..<min(wire.count, at + step)])))
                at += step
            }
            outputs.append(translator.finish())
            #expect(AnthropicGolden.events(outputs) == whole, "step \(step)")
        }
    }

    /// What the Anthropic SDK's accumulator (lib/streaming/_messages.py `accumulate_event`) builds
    /// from the events equals the non-streamed translation of the same answer.
    @Test func theAccumulatedMessageMatchesTheNonStreamedOne() throws {
        let message = try Self.accumulate(run(Self.mixed).events)
        #expect(message.content == [
            .text("Let me check."),
            .toolUse(id: "call_a", name: "get_weather", input: .object(["city": .string("Paris"), "days": .integer(3)])),
            .toolUse(id: "call_b", name: "now", input: .emptyObject),
        ])
        #expect(message.stopReason == "tool_use")
        #expect(message.usage == AnthropicUsage(inputTokens: 400, outputTokens: 42, cacheCreationInputTokens: 0, cacheReadInputTokens: 600))
    }

    @Test func withoutAUsageChunkDoneEndsTheMessage() throws {
        let data = [Self.chunk(#"{"role":"assistant","content":"Hi"}"#), Self.chunk("{}", finish: "length"), "[DONE]"]
        let events = run(data).events
        #expect(events.map(\.name) == ["message_start", "ping", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop"])
        #expect(
            try events[5].data
                == AnthropicGolden.json(#"{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":0}}"#))
    }

    @Test func aStopSequenceTheProviderNamesIsStopSequence() throws {
        let finish = #"{"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop","stop_reason":"END"}]}"#
        let events = run([Self.chunk(#"{"content":"Hi"}"#), finish, Self.usageChunk, "[DONE]"]).events
        let delta = try #require(events.first { $0.name == "message_delta" })
        #expect(AnthropicGolden.member(delta.data, "delta", "stop_reason") == .string("stop_sequence"))
        #expect(AnthropicGolden.member(delta.data, "delta", "stop_sequence") == .string("END"))
    }

    @Test func anUpstreamErrorMidStreamIsAnErrorEventAndTheEnd() throws {
        let data = [
            Self.chunk(#"{"content":"Hi"}"#), #"{"error":{"message":"Rate limit reached","type":"rate_limit_exceeded","param":null,"code":null}}"#,
            Self.chunk(#"{"content":"more"}"#), "[DONE]",
        ]
        let (events, _, translator) = run(data)
        #expect(events.map(\.name) == ["message_start", "ping", "content_block_start", "content_block_delta", "error"])
        #expect(try events[4].data == AnthropicGolden.json(#"{"type":"error","error":{"type":"rate_limit_error","message":"Rate limit reached"}}"#))
        #expect(translator.ended)
    }

    @Test func aStreamCutBeforeItsFinishIsAnErrorEvent() {
        let events = run([Self.chunk(#"{"content":"Hi"}"#)]).events
        #expect(events.map(\.name) == ["message_start", "ping", "content_block_start", "content_block_delta", "error"])
        #expect(AnthropicGolden.member(events[4].data, "error", "type") == .string("api_error"))
        var translator = ChatStreamToAnthropic()
        _ = translator.feed(data: Self.chunk(#"{"content":"Hi"}"#))
        #expect(AnthropicGolden.events(translator.fail(type: "timeout_error", message: "upstream timed out")).map(\.name) == ["error"])
        #expect(translator.finish().readableBytes == 0)
    }

    @Test func textAfterAToolCallOpensANewTextBlock() {
        let data = [
            Self.chunk(#"{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}"#),
            Self.chunk(#"{"content":"done"}"#), Self.chunk("{}", finish: "stop"), "[DONE]",
        ]
        let events = run(data).events
        #expect(events.map(\.name) == [
            "message_start", "ping", "content_block_start", "content_block_delta", "content_block_stop", "content_block_start",
            "content_block_delta", "content_block_stop", "message_delta", "message_stop",
        ])
        #expect(AnthropicGolden.member(events[5].data, "index") == .integer(1))
        #expect(AnthropicGolden.member(events[8].data, "delta", "stop_reason") == .string("tool_use"))
    }

    @Test func interleavedArgumentsAreKeptAtTheirBlockWithANote() throws {
        let data = [
            Self.chunk(#"{"tool_calls":[{"index":0,"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":"}}]}"#),
            Self.chunk(#"{"tool_calls":[{"index":1,"id":"c2","type":"function","function":{"name":"g","arguments":"{}"}}]}"#),
            Self.chunk(#"{"tool_calls":[{"index":0,"function":{"arguments":"1}"}}]}"#),
            Self.chunk("{}", finish: "tool_calls"), "[DONE]",
        ]
        let (events, _, translator) = run(data)
        let message = try Self.accumulate(events)
        #expect(message.content == [.toolUse(id: "c1", name: "f", input: .object(["a": .integer(1)])), .toolUse(id: "c2", name: "g", input: .emptyObject)])
        #expect(translator.notes.count == 1)
    }

    @Test func callsWithoutAnIndexAreToldApartByTheirID() throws {
        let data = [
            Self.chunk(#"{"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"x\":1}"}}]}"#),
            Self.chunk(#"{"tool_calls":[{"id":"c2","type":"function","function":{"name":"g","arguments":"{\"y\":"}}]}"#),
            Self.chunk(#"{"tool_calls":[{"function":{"arguments":"2}"}}]}"#),
            Self.chunk("{}", finish: "tool_calls"), "[DONE]",
        ]
        let message = try Self.accumulate(run(data).events)
        #expect(message.content == [
            .toolUse(id: "c1", name: "f", input: .object(["x": .integer(1)])), .toolUse(id: "c2", name: "g", input: .object(["y": .integer(2)])),
        ])
    }

    /// A port of the Anthropic SDK's `accumulate_event`: blocks by index, text appended, tool
    /// input from the joined `partial_json`, message_delta's usage overwriting what it carries.
    static func accumulate(_ events: [AnthropicGolden.Event]) throws -> AnthropicMessage {
        var message: AnthropicMessage?
        var json: [Int: String] = [:]
        for event in events {
            let decoded = try WireJSON.decode(AnthropicStreamEvent.self, from: event.raw)
            #expect(decoded.name == event.name)
            switch decoded {
            case .messageStart(let start): message = start
            case .contentBlockStart(let index, let block):
                #expect(index == message?.content.count)
                message?.content.append(block)
            case .contentBlockDelta(let index, .text(let text)):
                if case .text(let existing)? = message?.content[index] { message?.content[index] = .text(existing + text) }
            case .contentBlockDelta(let index, .inputJSON(let partial)):
                json[index, default: ""] += partial
                if case .toolUse(let id, let name, _)? = message?.content[index] {
                    message?.content[index] = .toolUse(id: id, name: name, input: JSONValue.parse(json[index]!) ?? .emptyObject)
                }
            case .messageDelta(let stopReason, let stopSequence, let usage):
                message?.stopReason = stopReason
                message?.stopSequence = stopSequence
                message?.usage.outputTokens = usage.outputTokens
                if let input = usage.inputTokens { message?.usage.inputTokens = input }
                if let read = usage.cacheReadInputTokens { message?.usage.cacheReadInputTokens = read }
                if let write = usage.cacheCreationInputTokens { message?.usage.cacheCreationInputTokens = write }
            case .error(let body): throw AnthropicError(type: body.type, message: body.message)
            default: break
            }
        }
        return try #require(message)
    }
}
