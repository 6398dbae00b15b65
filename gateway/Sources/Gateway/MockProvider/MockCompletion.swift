import ServiceSupport
import Foundation
import NIOCore

/// The built-in `mock` provider's answers: deterministic, OpenAI-shaped, echoing the last user
/// message (or the prompt), with usage figures counted in words. Used for local runs, tests and
/// benchmarks without a real key, in-process and behind the `gateway mock-upstream` server.
///
/// As OpenAI does: a chat answer's usage has `prompt_tokens_details.cached_tokens` (here: the
/// words of every message before the last, the repeated prefix a provider caches), and a stream
/// carries usage only when asked (`stream_options.include_usage`), then with `"usage":null` in
/// every chunk and a last chunk with `"choices":[]` and the usage.
///
/// Tool calls, as the Anthropic mock (``MockAnthropicMessage``) answers them, in Chat Completions'
/// shape (https://platform.openai.com/docs/guides/function-calling):
/// - When the request offers `tools` and `tool_choice` is not `"none"`, a last user text
///   `call <tool name> [<JSON object>]` naming one of them answers an assistant message with
///   `content` null and one `tool_calls` entry (`id` `call_mock_<hash>`, `type` `function`,
///   `function.arguments` the object as compact JSON text: `{}` without one, `{"text": "..."}` when
///   the rest is not a JSON object), `finish_reason` `tool_calls`. `tool_choice` `"required"` or
///   `{"type":"function","function":{"name":X}}` forces a call (of X, or the first tool) with
///   `{"text": <last user text>}` as arguments unless the text is such a `call`.
/// - When the conversation ends with `tool` messages (results of the assistant's `tool_calls`), the
///   answer is text: `<tool name> returned: <content>`, joined by `"; "` for several.
/// - Streamed: a first chunk with the role, `content` null and the call with empty `arguments`,
///   then the arguments in three pieces, then an empty delta with `finish_reason` `tool_calls`.
/// - Usage: a call's completion tokens are one for the name plus one per argument member (a call
///   is never cut at `max_tokens`); the tools' names and descriptions, and the names an assistant
///   message's `tool_calls` call, count in the prompt (the tools in its cached prefix too).
public enum MockCompletion {
    static let created = 1_700_000_000

    /// The tool call a chat answer makes.
    struct ToolCall {
        var id: String
        var name: String
        /// The arguments as compact JSON text.
        var arguments: String
        /// The arguments' top-level members.
        var members: Int

        var json: [String: Any] {
            ["id": id, "type": "function", "function": ["name": name, "arguments": arguments]]
        }
    }

    /// What the mock needs from a request body.
    struct Input {
        var model: String
        var text: String
        var promptTokens: Int
        var cachedTokens = 0
        var stream: Bool
        var includeUsage: Bool
        var inputs: [String]
        /// The answer was cut at the request's `max_tokens`/`max_completion_tokens` (finish_reason `length`).
        var truncated = false
        /// The answer is this tool call instead of text (chat completions only).
        var toolCall: ToolCall?

        var finishReason: String { toolCall != nil ? "tool_calls" : truncated ? "length" : "stop" }
        var completionTokens: Int { toolCall.map { 1 + $0.members } ?? max(1, words(text)) }
    }

    static func parse(_ body: ByteBuffer, endpoint: Endpoint) -> Input? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            return nil
        }
        let model = object["model"] as? String ?? "mock"
        let stream = object["stream"] as? Bool ?? false
        let includeUsage = (object["stream_options"] as? [String: Any])?["include_usage"] as? Bool ?? false
        var text = ""
        var all: [String] = []
        var cached = 0
        var toolWords = 0
        var toolCall: ToolCall?
        switch endpoint {
        case .chatCompletions:
            let messages = object["messages"] as? [[String: Any]] ?? []
            all = messages.map(messageText)
            text = messages.last(where: { ($0["role"] as? String) == "user" }).map { content($0["content"]) } ?? ""
            let tools = (object["tools"] as? [[String: Any]] ?? []).compactMap { $0["function"] as? [String: Any] }.compactMap {
                function in (function["name"] as? String).map { (name: $0, description: function["description"] as? String ?? "") }
            }
            toolWords = tools.reduce(0) { $0 + words($1.name) + words($1.description) }
            cached = toolWords + all.dropLast().reduce(0) { $0 + words($1) }
            let results = messages.reversed().prefix { ($0["role"] as? String) == "tool" }.reversed()
            if !results.isEmpty {
                let names = toolNames(messages)
                text = results.map { result in
                    let id = result["tool_call_id"] as? String ?? ""
                    return "\(names[id] ?? id) returned: \(content(result["content"]))"
                }.joined(separator: "; ")
            } else if !tools.isEmpty {
                toolCall = call(text, tools: tools.map(\.name), choice: object["tool_choice"])
            }
        case .completions:
            all = strings(object["prompt"])
            text = all.last ?? ""
        case .embeddings:
            all = strings(object["input"])
            text = all.first ?? ""
        case .messages:
            return nil  // an OpenAI-compatible provider: Anthropic bodies reach it translated
        }
        let promptTokens = max(1, toolWords + all.reduce(0) { $0 + words($1) })
        // As a real model does: never more completion tokens than the request allows.
        var truncated = false
        if toolCall == nil, let limit = (object["max_completion_tokens"] as? Int) ?? (object["max_tokens"] as? Int), words(text) > max(1, limit) {
            text = text.split(whereSeparator: \.isWhitespace).prefix(max(1, limit)).joined(separator: " ")
            truncated = true
        }
        return Input(
            model: model, text: text, promptTokens: promptTokens, cachedTokens: min(cached, promptTokens), stream: stream,
            includeUsage: includeUsage, inputs: all, truncated: truncated, toolCall: toolCall)
    }

    /// A message's words: its content and the names of the tools it calls.
    static func messageText(_ message: [String: Any]) -> String {
        let text = content(message["content"])
        guard let calls = message["tool_calls"] as? [[String: Any]], !calls.isEmpty else { return text }
        let names = calls.compactMap { ($0["function"] as? [String: Any])?["name"] as? String }
        return ([text] + names).filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// The names of the tools the assistant called, by `tool_calls` id.
    static func toolNames(_ messages: [[String: Any]]) -> [String: String] {
        var names: [String: String] = [:]
        for message in messages {
            for call in message["tool_calls"] as? [[String: Any]] ?? [] {
                if let id = call["id"] as? String, let name = (call["function"] as? [String: Any])?["name"] as? String { names[id] = name }
            }
        }
        return names
    }

    /// The call the answer makes to one of `tools` given the last user `text` and `tool_choice`; nil for text.
    static func call(_ text: String, tools: [String], choice: Any?) -> ToolCall? {
        var mode = choice as? String ?? "auto"
        var chosen: String?
        if let named = choice as? [String: Any] {
            mode = "function"
            chosen = (named["function"] as? [String: Any])?["name"] as? String
        }
        guard mode != "none" else { return nil }
        let words = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
        var name: String?
        var rest = ""
        if words.count >= 2, words[0] == "call", tools.contains(where: { $0 == words[1] }) {
            name = String(words[1])
            rest = words.count > 2 ? String(words[2]).trimmingCharacters(in: .whitespacesAndNewlines) : ""
        }
        if name == nil, mode == "required" || mode == "function" {
            name = chosen ?? tools.first
            rest = text
        }
        guard let name else { return nil }
        let arguments: [String: Any]
        if rest.isEmpty {
            arguments = [:]
        } else if let object = try? JSONSerialization.jsonObject(with: Data(rest.utf8)) as? [String: Any] {
            arguments = object
        } else {
            arguments = ["text": rest]
        }
        let json = String(buffer: Self.json(arguments))
        return ToolCall(
            id: MockAnthropicMessage.identifier("call_mock_", name + "\u{0}" + json), name: name, arguments: json, members: arguments.count)
    }

    /// `arguments` in three pieces (fewer when shorter), as OpenAI streams a call's arguments in fragments.
    static func fragments(_ arguments: String) -> [String] {
        let size = max(1, (arguments.count + 2) / 3)
        var pieces: [String] = []
        var rest = Substring(arguments)
        while !rest.isEmpty {
            pieces.append(String(rest.prefix(size)))
            rest = rest.dropFirst(size)
        }
        return pieces
    }

    static func content(_ value: Any?) -> String {
        if let text = value as? String { return text }
        if let parts = value as? [[String: Any]] { return parts.compactMap { $0["text"] as? String }.joined(separator: " ") }
        return ""
    }

    static func strings(_ value: Any?) -> [String] {
        if let text = value as? String { return [text] }
        return (value as? [Any])?.compactMap { $0 as? String } ?? []
    }

    static func words(_ text: String) -> Int { text.split(whereSeparator: \.isWhitespace).count }

    static func identifier(_ prefix: String, _ input: Input) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in (input.model + "\u{0}" + input.text).utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return prefix + String(hash, radix: 16)
    }

    static func usage(_ input: Input, completion: Int, details: Bool = false) -> [String: Any] {
        var usage: [String: Any] = [
            "prompt_tokens": input.promptTokens, "completion_tokens": completion, "total_tokens": input.promptTokens + completion,
        ]
        if details {
            usage["prompt_tokens_details"] = ["cached_tokens": input.cachedTokens, "audio_tokens": 0]
            usage["completion_tokens_details"] = [
                "reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0,
            ]
        }
        return usage
    }

    static func json(_ object: Any) -> ByteBuffer {
        ByteBuffer(bytes: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data())
    }

    /// The non-streaming answer body.
    static func answer(_ input: Input, endpoint: Endpoint) -> ByteBuffer {
        let completionTokens = input.completionTokens
        switch endpoint {
        case .chatCompletions:
            let message: [String: Any] =
                if let call = input.toolCall {
                    ["role": "assistant", "content": NSNull(), "tool_calls": [call.json]]
                } else {
                    ["role": "assistant", "content": input.text]
                }
            return json([
                "id": identifier("chatcmpl-mock-", input), "object": "chat.completion", "created": created, "model": input.model,
                "choices": [
                    [
                        "index": 0, "message": message, "finish_reason": input.finishReason,
                        "logprobs": NSNull(),
                    ] as [String: Any]
                ],
                "usage": usage(input, completion: completionTokens, details: true),
            ])
        case .completions:
            return json([
                "id": identifier("cmpl-mock-", input), "object": "text_completion", "created": created, "model": input.model,
                "choices": [["index": 0, "text": input.text, "finish_reason": input.finishReason, "logprobs": NSNull()] as [String: Any]],
                "usage": usage(input, completion: completionTokens),
            ])
        case .embeddings:
            let data = input.inputs.enumerated().map { index, text in
                ["object": "embedding", "index": index, "embedding": embedding(text)] as [String: Any]
            }
            return json([
                "object": "list", "data": data, "model": input.model,
                "usage": ["prompt_tokens": input.promptTokens, "total_tokens": input.promptTokens],
            ])
        case .messages:
            return json(["error": ["message": "mock provider: /v1/messages is not an OpenAI endpoint", "type": "invalid_request_error"]])
        }
    }

    /// Eight deterministic floats in [-1, 1] derived from the text.
    static func embedding(_ text: String) -> [Double] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for byte in text.utf8 { state = (state ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return (0..<8).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Double(Int64(bitPattern: state >> 11) % 2_000_001 - 1_000_000) / 1_000_000
        }
    }

    /// The streaming answer as server-sent events: one chunk per word (for a tool call: the call,
    /// then its arguments in pieces), a final chunk with `finish_reason`, a usage chunk when
    /// `stream_options.include_usage` is set, then `[DONE]`.
    static func events(_ input: Input, endpoint: Endpoint) -> [ByteBuffer] {
        let id = identifier(endpoint == .chatCompletions ? "chatcmpl-mock-" : "cmpl-mock-", input)
        let object = endpoint == .chatCompletions ? "chat.completion.chunk" : "text_completion"
        var pieces = input.text.split(separator: " ", omittingEmptySubsequences: false).enumerated().map { index, word in
            index == 0 ? String(word) : " " + word
        }
        if pieces.isEmpty { pieces = [""] }
        func choice(_ text: String?, role: Bool = false, finish: String? = nil) -> [String: Any] {
            if endpoint == .chatCompletions {
                var delta: [String: Any] = [:]
                if role { delta["role"] = "assistant" }
                if let text { delta["content"] = text }
                return ["index": 0, "delta": delta, "finish_reason": finish ?? NSNull(), "logprobs": NSNull()]
            }
            return ["index": 0, "text": text ?? "", "finish_reason": finish ?? NSNull(), "logprobs": NSNull()]
        }
        func event(_ choices: [[String: Any]], usage: [String: Any]? = nil) -> ByteBuffer {
            var chunk: [String: Any] = ["id": id, "object": object, "created": created, "model": input.model, "choices": choices]
            if input.includeUsage { chunk["usage"] = usage ?? NSNull() }
            var buffer = ByteBuffer(string: "data: ")
            var body = json(chunk)
            buffer.writeBuffer(&body)
            buffer.writeString("\n\n")
            return buffer
        }
        func delta(_ delta: [String: Any], finish: String? = nil) -> [String: Any] {
            ["index": 0, "delta": delta, "finish_reason": finish ?? NSNull(), "logprobs": NSNull()]
        }
        var events: [ByteBuffer] = []
        if let call = input.toolCall, endpoint == .chatCompletions {
            var first = call.json
            first["index"] = 0
            first["function"] = ["name": call.name, "arguments": ""]
            events.append(event([delta(["role": "assistant", "content": NSNull(), "tool_calls": [first]])]))
            for piece in fragments(call.arguments) {
                events.append(event([delta(["tool_calls": [["index": 0, "function": ["arguments": piece]]]])]))
            }
            events.append(event([delta([:], finish: input.finishReason)]))
        } else {
            if endpoint == .chatCompletions { events.append(event([choice("", role: true)])) }
            for piece in pieces { events.append(event([choice(piece)])) }
            events.append(event([choice(endpoint == .chatCompletions ? nil : "", finish: input.finishReason)]))
        }
        if input.includeUsage {
            events.append(event([], usage: usage(input, completion: input.completionTokens, details: endpoint == .chatCompletions)))
        }
        events.append(ByteBuffer(string: "data: [DONE]\n\n"))
        return events
    }
}
