import Foundation
import NIOCore

/// The Anthropic mock's answer to a Messages request: deterministic, shaped exactly as the
/// Messages API documents it (https://docs.anthropic.com/en/api/messages and
/// https://docs.anthropic.com/en/docs/build-with-claude/streaming), with usage counted in words.
///
/// - Text: echoes the last user message's text; cut before the first of `stop_sequences` it
///   contains (`stop_reason` `stop_sequence`, `stop_sequence` set), then at `max_tokens` words
///   (`max_tokens`); else `end_turn`.
/// - Tool use, when the request offers `tools` and `tool_choice` is not `none`: a last user text
///   `call <tool name> [<JSON object>]` naming one of the tools answers a text block `Calling <name>.`
///   and a `tool_use` block whose `input` is that JSON object (`{}` without one; `{"text": "..."}`
///   when the rest is not a JSON object); `tool_choice` `{"type":"tool","name":...}` or `any` forces
///   a call (of that tool, or the first) with no text block and `{"text": <last user text>}` as input
///   unless the text is such a `call`. `stop_reason` is `tool_use`.
/// - A last user turn of `tool_result` blocks answers text quoting them:
///   `<tool name> returned: <content>` (`failed` for `is_error`).
/// - Usage: `cache_read_input_tokens` are the words of the tools, the system prompt and every
///   message but the last; `input_tokens` the words of the last message (at least 1);
///   `cache_creation_input_tokens` 0; `output_tokens` the words of the text blocks plus, per
///   `tool_use`, one for its name and one per input member (at least 1).
public struct MockAnthropicMessage {
    enum Block {
        case text(String)
        case toolUse(id: String, name: String, input: String)
    }

    var id: String
    var model: String
    var blocks: [Block]
    var stopReason: String
    var stopSequence: String?
    var inputTokens: Int
    var cacheReadTokens: Int
    var outputTokens: Int

    init(_ request: MockAnthropicRequest) {
        model = request.model
        inputTokens = max(1, request.lastWords)
        cacheReadTokens = request.prefixWords
        id = Self.identifier("msg_mock_", request.model + "\u{0}" + request.lastUserText)
        var blocks: [Block] = []
        var stop = "end_turn"
        var stopSequence: String?
        var budget = request.maxTokens
        var output = 0
        /// Adds up to `budget` words of `text`; false when cut.
        func addText(_ text: String) -> Bool {
            let words = text.split(whereSeparator: \.isWhitespace)
            if words.count > budget {
                blocks.append(.text(words.prefix(budget).joined(separator: " ")))
                output += budget
                budget = 0
                stop = "max_tokens"
                return false
            }
            blocks.append(.text(text))
            output += words.count
            budget -= words.count
            return true
        }
        if let call = Self.toolCall(request) {
            let cost = 1 + call.members
            if call.forced || addText("Calling \(call.name).") {
                if cost <= budget {
                    let toolID = Self.identifier("toolu_mock_", call.name + "\u{0}" + call.input)
                    blocks.append(.toolUse(id: toolID, name: call.name, input: call.input))
                    output += cost
                    stop = "tool_use"
                } else {
                    stop = "max_tokens"
                }
            }
        } else {
            var text = request.lastUserText
            let found = request.stopSequences.compactMap { sequence in text.range(of: sequence).map { (sequence, $0) } }
            if let (sequence, range) = found.min(by: { $0.1.lowerBound < $1.1.lowerBound }) {
                text = String(text[..<range.lowerBound])
                stop = "stop_sequence"
                stopSequence = sequence
            }
            if !addText(text) { stopSequence = nil }
        }
        self.blocks = blocks
        stopReason = stop
        self.stopSequence = stopSequence
        outputTokens = max(1, output)
    }

    /// The tool the answer calls, its input as JSON text and how many members it has; nil for text.
    static func toolCall(_ request: MockAnthropicRequest) -> (name: String, input: String, members: Int, forced: Bool)? {
        guard !request.tools.isEmpty, request.toolChoice != "none", !request.answersTools else { return nil }
        let words = request.lastUserText.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        var name: String?
        var rest = ""
        if words.count >= 2, words[0] == "call", request.tools.contains(where: { $0.name == words[1] }) {
            name = String(words[1])
            rest = words.count > 2 ? String(words[2]).trimmingCharacters(in: .whitespacesAndNewlines) : ""
        }
        let forced = request.toolChoice == "tool" || request.toolChoice == "any"
        if name == nil, forced {
            name = request.toolChoice == "tool" ? request.toolChoiceName : request.tools.first?.name
            rest = request.lastUserText
        }
        guard let name else { return nil }
        let input: [String: Any]
        if rest.isEmpty {
            input = [:]
        } else if let object = try? JSONSerialization.jsonObject(with: Data(rest.utf8)) as? [String: Any] {
            input = object
        } else {
            input = ["text": rest]
        }
        return (name, String(buffer: MockCompletion.json(input)), input.count, forced)
    }

    static func identifier(_ prefix: String, _ seed: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in seed.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return prefix + String(hash, radix: 16)
    }

    func usage(outputTokens: Int) -> [String: Any] {
        [
            "input_tokens": inputTokens, "cache_creation_input_tokens": 0, "cache_read_input_tokens": cacheReadTokens,
            "cache_creation": ["ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0], "output_tokens": outputTokens,
            "service_tier": "standard",
        ]
    }

    func blockJSON(_ block: Block, streaming: Bool = false) -> [String: Any] {
        switch block {
        case .text(let text): return ["type": "text", "text": streaming ? "" : text]
        case .toolUse(let id, let name, let input):
            let object = streaming ? [:] : (try? JSONSerialization.jsonObject(with: Data(input.utf8))) ?? [:]
            return ["type": "tool_use", "id": id, "name": name, "input": object]
        }
    }

    /// The non-streaming answer body.
    public var body: ByteBuffer {
        MockCompletion.json([
            "id": id, "type": "message", "role": "assistant", "model": model, "content": blocks.map { blockJSON($0) },
            "stop_reason": stopReason, "stop_sequence": stopSequence ?? NSNull(), "usage": usage(outputTokens: outputTokens),
        ])
    }

    /// One server-sent event: `event: <type>\ndata: <json>\n\n`.
    static func event(_ type: String, _ data: [String: Any]) -> ByteBuffer {
        var data = data
        data["type"] = type
        var buffer = ByteBuffer(string: "event: \(type)\ndata: ")
        var json = MockCompletion.json(data)
        buffer.writeBuffer(&json)
        buffer.writeString("\n\n")
        return buffer
    }

    /// The streamed answer, in the API's order: `message_start` (no content, `stop_reason` null,
    /// `output_tokens` 1), per block `content_block_start` (a `ping` after the first),
    /// `content_block_delta`s (`text_delta` per word; `input_json_delta`: an empty piece, then the
    /// input's JSON in pieces of at most 8 characters), `content_block_stop`; `message_delta`
    /// (`stop_reason`, `stop_sequence`, cumulative usage) and `message_stop`.
    public var events: [ByteBuffer] {
        let start: [String: Any] = [
            "id": id, "type": "message", "role": "assistant", "model": model, "content": [Any](), "stop_reason": NSNull(),
            "stop_sequence": NSNull(), "usage": usage(outputTokens: 1),
        ]
        var events = [Self.event("message_start", ["message": start])]
        if blocks.isEmpty { events.append(Self.event("ping", [:])) }
        for (index, block) in blocks.enumerated() {
            events.append(Self.event("content_block_start", ["index": index, "content_block": blockJSON(block, streaming: true)]))
            if index == 0 { events.append(Self.event("ping", [:])) }
            switch block {
            case .text(let text):
                let pieces = text.split(separator: " ", omittingEmptySubsequences: false).enumerated().map { offset, word in
                    offset == 0 ? String(word) : " " + word
                }
                for piece in pieces where !piece.isEmpty {
                    events.append(Self.event("content_block_delta", ["index": index, "delta": ["type": "text_delta", "text": piece]]))
                }
            case .toolUse(_, _, let input):
                var pieces = [""]
                var rest = Substring(input)
                while !rest.isEmpty {
                    pieces.append(String(rest.prefix(8)))
                    rest = rest.dropFirst(8)
                }
                for piece in pieces {
                    events.append(
                        Self.event("content_block_delta", ["index": index, "delta": ["type": "input_json_delta", "partial_json": piece]]))
                }
            }
            events.append(Self.event("content_block_stop", ["index": index]))
        }
        var finalUsage = usage(outputTokens: outputTokens)
        finalUsage["cache_creation"] = nil
        finalUsage["service_tier"] = nil
        events.append(
            Self.event(
                "message_delta", ["delta": ["stop_reason": stopReason, "stop_sequence": stopSequence ?? NSNull()], "usage": finalUsage]))
        events.append(Self.event("message_stop", [:]))
        return events
    }
}
