import Foundation
import NIOCore
import Testing
@testable import Gateway

/// Anthropic Messages streams as OpenAI chat streams (an OpenAI client, an Anthropic provider).
@Suite struct AnthropicUpstreamStreamTests {
    static func event(_ json: String) -> String {
        let type = (try? AnthropicGolden.json(json)).flatMap { AnthropicGolden.member($0, "type")?.stringValue } ?? "?"
        return "event: \(type)\ndata: \(json)\n\n"
    }

    /// Anthropic's own shape: thinking, text, a tool call whose input arrives in three pieces, pings.
    static let mixed: [String] = [
        #"{"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":0,"cache_read_input_tokens":500,"output_tokens":1}}}"#,
        #"{"type":"ping"}"#,
        #"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":"","signature":""}}"#,
        #"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me think"}}"#,
        #"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQB"}}"#,
        #"{"type":"content_block_stop","index":0}"#,
        #"{"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}"#,
        #"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"Okay, "}}"#,
        #"{"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"checking."}}"#,
        #"{"type":"content_block_stop","index":1}"#,
        #"{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_01","name":"get_weather","input":{}}}"#,
        #"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":""}}"#,
        #"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Pa"}}"#,
        #"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"ris\", \"days\""}}"#,
        #"{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":": 3}"}}"#,
        #"{"type":"content_block_stop","index":2}"#,
        #"{"type":"content_block_start","index":3,"content_block":{"type":"tool_use","id":"toolu_02","name":"now","input":{}}}"#,
        #"{"type":"content_block_stop","index":3}"#,
        #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}"#,
        #"{"type":"message_stop"}"#,
    ]

    static func run(_ events: [String], includeUsage: Bool = true, model: String? = nil) -> (events: [AnthropicGolden.Event], perEvent: [ByteBuffer], translator: AnthropicStreamToChat) {
        var translator = AnthropicStreamToChat(created: 1_700_000_000, includeUsage: includeUsage, model: model)
        var outputs = events.map { translator.feed(data: $0) }
        outputs.append(translator.finish())
        return (AnthropicGolden.events(outputs), outputs, translator)
    }

    static func chunk(_ choice: String) -> String {
        #"{"id":"msg_01","object":"chat.completion.chunk","created":1700000000,"model":"claude-sonnet-4-5","choices":[\#(choice)]}"#
    }

    @Test func roleTextToolCallsFinishUsageDone() throws {
        let (events, perEvent, translator) = Self.run(Self.mixed)
        let expected: [String?] = [
            Self.chunk(#"{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}"#),
            Self.chunk(#"{"index":0,"delta":{"content":"Okay, "},"finish_reason":null}"#),
            Self.chunk(#"{"index":0,"delta":{"content":"checking."},"finish_reason":null}"#),
            Self.chunk(#"{"index":0,"delta":{"tool_calls":[{"index":0,"id":"toolu_01","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}"#),
            Self.chunk(#"{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\": \"Pa"}}]},"finish_reason":null}"#),
            Self.chunk(#"{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ris\", \"days\""}}]},"finish_reason":null}"#),
            Self.chunk(#"{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":": 3}"}}]},"finish_reason":null}"#),
            Self.chunk(#"{"index":0,"delta":{"tool_calls":[{"index":1,"id":"toolu_02","type":"function","function":{"name":"now","arguments":""}}]},"finish_reason":null}"#),
            Self.chunk(#"{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{}"}}]},"finish_reason":null}"#),
            Self.chunk(#"{"index":0,"delta":{},"finish_reason":"tool_calls"}"#),
            #"{"id":"msg_01","object":"chat.completion.chunk","created":1700000000,"model":"claude-sonnet-4-5","choices":[],"usage":{"prompt_tokens":525,"completion_tokens":89,"total_tokens":614,"prompt_tokens_details":{"cached_tokens":500}}}"#,
            nil,
        ]
        #expect(events.count == expected.count)
        for (event, json) in zip(events, expected) {
            #expect(event.name == "message")
            if let json {
                #expect(try event.data == AnthropicGolden.json(json), "\(event)")
            } else {
                #expect(event.raw == "[DONE]")
            }
        }
        #expect(String(buffer: perEvent.last!).isEmpty)
        #expect(String(buffer: perEvent[perEvent.count - 2]).hasSuffix("data: [DONE]\n\n"))
        #expect(translator.usage == AnthropicUsage(inputTokens: 25, outputTokens: 89, cacheCreationInputTokens: 0, cacheReadInputTokens: 500))
        #expect(translator.notes == [.droppedContent("stream block 'thinking'")])
        #expect(translator.gatewayUsage == Usage(promptTokens: 525, completionTokens: 89, cachedTokens: 500))
    }

    @Test func theArgumentFragmentsJoinToTheInput() {
        let fragments = Self.run(Self.mixed).events.compactMap { event -> String? in
            guard AnthropicGolden.member(event.data, "choices", "0", "delta", "tool_calls", "0", "index") == .integer(0) else { return nil }
            return AnthropicGolden.member(event.data, "choices", "0", "delta", "tool_calls", "0", "function", "arguments")?.stringValue
        }
        #expect(fragments.joined() == #"{"city": "Paris", "days": 3}"#)
    }

    @Test func rawBytesSplitAnywhereGiveTheSameChunks() {
        let whole = Self.run(Self.mixed).events
        let wire = Array(Self.mixed.map(Self.event).joined().utf8)
        for step in [1, 13, 100] {
            var translator = AnthropicStreamToChat(created: 1_700_000_000, includeUsage: true)
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

    @Test func withoutIncludeUsageThereIsNoUsageChunk() {
        let events = Self.run(Self.mixed, includeUsage: false, model: "alias").events
        #expect(events.count == 11)
        #expect(events.allSatisfy { $0.raw == "[DONE]" || AnthropicGolden.member($0.data, "usage") == nil })
        #expect(AnthropicGolden.member(events[0].data, "model") == .string("alias"))
    }

    @Test func anErrorEventBecomesAnOpenAIErrorChunkAndTheEnd() throws {
        let events = Self.run([
            Self.mixed[0], #"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#,
            #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#, #"{"type":"message_stop"}"#,
        ]).events
        #expect(events.count == 2)
        #expect(try events[1].data == AnthropicGolden.json(#"{"error":{"message":"Overloaded","type":"server_error","param":null,"code":null}}"#))
    }

    @Test func aStreamCutBeforeMessageDeltaIsAnErrorChunk() {
        let events = Self.run(Array(Self.mixed.prefix(9))).events
        #expect(AnthropicGolden.member(events.last?.data, "error", "type") == .string("server_error"))
        #expect(!events.contains { $0.raw == "[DONE]" })
    }

    @Test func messageDeltaInputFiguresOverrideMessageStarts() {
        let events = [
            Self.mixed[0], #"{"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"output_tokens":4,"input_tokens":30,"cache_read_input_tokens":600}}"#,
            #"{"type":"message_stop"}"#,
        ]
        let (chunks, _, translator) = Self.run(events)
        #expect(translator.usage == AnthropicUsage(inputTokens: 30, outputTokens: 4, cacheCreationInputTokens: 0, cacheReadInputTokens: 600))
        #expect(AnthropicGolden.member(chunks[1].data, "choices", "0", "finish_reason") == .string("length"))
        #expect(AnthropicGolden.member(chunks[2].data, "usage", "prompt_tokens") == .integer(630))
    }
}
