import Foundation
import NIOCore
import Testing
@testable import Gateway

/// Generated streams, both directions: text and one to three tool calls whose arguments are cut
/// into one to six pieces at random places. Whatever the cuts, the client side joins the pieces
/// back to the original arguments, in the original order, and nothing else changes.
@Suite struct AnthropicStreamPropertyTests {
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }

        /// `text` cut into `count` non-empty pieces (fewer when it is short).
        mutating func pieces(_ text: String, _ count: Int) -> [String] {
            let characters = Array(text)
            var cuts = Set<Int>()
            for _ in 0..<max(0, count - 1) where characters.count > 1 { cuts.insert(1 + next(characters.count - 1)) }
            var result: [String] = []
            var start = 0
            for cut in cuts.sorted() + [characters.count] {
                result.append(String(characters[start..<cut]))
                start = cut
            }
            return result
        }
    }

    struct Call: Equatable {
        var id: String
        var name: String
        var arguments: String
    }

    static func scenario(_ seed: UInt64) -> (text: String?, calls: [Call], generator: Generator) {
        var generator = Generator(state: seed)
        let text: String? = generator.next(2) == 0 ? nil : "Sure — let me look ünïcode \(seed)."
        let calls = (0..<(1 + generator.next(3))).map { index in
            Call(
                id: "call_\(seed)_\(index)", name: "tool_\(index)",
                arguments: #"{"city": "Paris \#(index)", "days": \#(generator.next(9)), "nested": {"list": [1, 2, "x\"y"]}, "note": "a\nb"}"#)
        }
        return (text, calls, generator)
    }

    @Test(arguments: 0..<40)
    func openAIToAnthropic(seed: Int) throws {
        var (text, calls, generator) = Self.scenario(UInt64(seed))
        var chunks = [AnthropicChatStreamTests.chunk(#"{"role":"assistant","content":""}"#)]
        if let text {
            for piece in generator.pieces(text, 1 + generator.next(4)) {
                chunks.append(AnthropicChatStreamTests.chunk(#"{"content":\#(WireJSON.string(piece))}"#))
            }
        }
        for (index, call) in calls.enumerated() {
            let pieces = generator.pieces(call.arguments, 1 + generator.next(6))
            for (n, piece) in pieces.enumerated() {
                let head = n == 0 ? #""id":"\#(call.id)","type":"function","# : ""
                let name = n == 0 ? #""name":"\#(call.name)","# : ""
                chunks.append(
                    AnthropicChatStreamTests.chunk(
                        #"{"tool_calls":[{"index":\#(index),\#(head)"function":{\#(name)"arguments":\#(WireJSON.string(piece))}}]}"#))
            }
        }
        chunks += [AnthropicChatStreamTests.chunk("{}", finish: "tool_calls"), AnthropicChatStreamTests.usageChunk, "[DONE]"]

        // Fed as raw bytes cut at random places too.
        let wire = Array(AnthropicGolden.sse(chunks).utf8)
        var translator = ChatStreamToAnthropic(model: "claude")
        var outputs: [ByteBuffer] = []
        var at = 0
        while at < wire.count {
            let step = 1 + generator.next(200)
            outputs.append(translator.feed(ByteBuffer(bytes: wire[at..<min(wire.count, at + step)])))
            at += step
        }
        outputs.append(translator.finish())
        let message = try AnthropicChatStreamTests.accumulate(AnthropicGolden.events(outputs))

        var expected: [AnthropicContentBlock] = text.map { [.text($0)] } ?? []
        expected += calls.map { .toolUse(id: $0.id, name: $0.name, input: JSONValue.parse($0.arguments)!) }
        #expect(message.content == expected)
        #expect(message.stopReason == "tool_use")
        // The partial_json pieces of each block, joined, are the arguments byte for byte.
        let events = AnthropicGolden.events(outputs)
        for (offset, call) in calls.enumerated() {
            let block = (text == nil ? 0 : 1) + offset
            let joined = events.filter { $0.name == "content_block_delta" && AnthropicGolden.member($0.data, "index") == .integer(Int64(block)) }
                .compactMap { AnthropicGolden.member($0.data, "delta", "partial_json")?.stringValue }.joined()
            #expect(joined == call.arguments)
        }
    }

    @Test(arguments: 0..<40)
    func anthropicToOpenAI(seed: Int) throws {
        var (text, calls, generator) = Self.scenario(UInt64(seed) &+ 1000)
        var events = [AnthropicUpstreamStreamTests.mixed[0]]
        var block = 0
        if let text {
            events.append(#"{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}"#)
            for piece in generator.pieces(text, 1 + generator.next(4)) {
                events.append(#"{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":\#(WireJSON.string(piece))}}"#)
            }
            events.append(#"{"type":"content_block_stop","index":0}"#)
            block = 1
        }
        for call in calls {
            events.append(#"{"type":"content_block_start","index":\#(block),"content_block":{"type":"tool_use","id":"\#(call.id)","name":"\#(call.name)","input":{}}}"#)
            for piece in generator.pieces(call.arguments, 1 + generator.next(6)) {
                events.append(
                    #"{"type":"content_block_delta","index":\#(block),"delta":{"type":"input_json_delta","partial_json":\#(WireJSON.string(piece))}}"#)
            }
            events.append(#"{"type":"content_block_stop","index":\#(block)}"#)
            block += 1
        }
        events += [
            #"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":9}}"#,
            #"{"type":"message_stop"}"#,
        ]

        let wire = Array(events.map(AnthropicUpstreamStreamTests.event).joined().utf8)
        var translator = AnthropicStreamToChat(created: 1, includeUsage: true)
        var outputs: [ByteBuffer] = []
        var at = 0
        while at < wire.count {
            let step = 1 + generator.next(200)
            outputs.append(translator.feed(ByteBuffer(bytes: wire[at..<min(wire.count, at + step)])))
            at += step
        }
        outputs.append(translator.finish())

        // What OpenAI's SDK accumulator does: content joined, tool calls by index, arguments joined.
        var content = ""
        var accumulated: [Int: Call] = [:]
        var finishReason: String?
        let chunks = AnthropicGolden.events(outputs)
        #expect(chunks.last?.raw == "[DONE]")
        for chunk in chunks.dropLast() {
            let decoded = try WireJSON.decode(OpenAIChatChunk.self, from: chunk.raw)
            guard let choice = decoded.choices.first else { continue }
            content += choice.delta.content ?? ""
            finishReason = choice.finishReason ?? finishReason
            for call in choice.delta.toolCalls ?? [] {
                let index = try #require(call.index)
                var current = accumulated[index] ?? Call(id: "", name: "", arguments: "")
                current.id += call.id ?? ""
                current.name += call.function?.name ?? ""
                current.arguments += call.function?.arguments ?? ""
                accumulated[index] = current
            }
        }
        #expect(content == (text ?? ""))
        #expect(accumulated.keys.sorted().map { accumulated[$0]! } == calls)
        #expect(finishReason == "tool_calls")
    }
}
