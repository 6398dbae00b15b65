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
public enum MockCompletion {
    static let created = 1_700_000_000

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

        var finishReason: String { truncated ? "length" : "stop" }
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
        switch endpoint {
        case .chatCompletions:
            let messages = object["messages"] as? [[String: Any]] ?? []
            all = messages.map { content($0["content"]) }
            cached = all.dropLast().reduce(0) { $0 + words($1) }
            text = messages.last(where: { ($0["role"] as? String) == "user" }).map { content($0["content"]) } ?? ""
        case .completions:
            all = strings(object["prompt"])
            text = all.last ?? ""
        case .embeddings:
            all = strings(object["input"])
            text = all.first ?? ""
        case .messages:
            return nil  // an OpenAI-compatible provider: Anthropic bodies reach it translated
        }
        let promptTokens = max(1, all.reduce(0) { $0 + words($1) })
        // As a real model does: never more completion tokens than the request allows.
        var truncated = false
        if let limit = (object["max_completion_tokens"] as? Int) ?? (object["max_tokens"] as? Int), words(text) > max(1, limit) {
            text = text.split(whereSeparator: \.isWhitespace).prefix(max(1, limit)).joined(separator: " ")
            truncated = true
        }
        return Input(
            model: model, text: text, promptTokens: promptTokens, cachedTokens: min(cached, promptTokens), stream: stream,
            includeUsage: includeUsage, inputs: all, truncated: truncated)
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
        let completionTokens = max(1, words(input.text))
        switch endpoint {
        case .chatCompletions:
            return json([
                "id": identifier("chatcmpl-mock-", input), "object": "chat.completion", "created": created, "model": input.model,
                "choices": [
                    [
                        "index": 0, "message": ["role": "assistant", "content": input.text], "finish_reason": input.finishReason,
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

    /// The streaming answer as server-sent events: one chunk per word, a final chunk with
    /// `finish_reason`, a usage chunk when `stream_options.include_usage` is set, then `[DONE]`.
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
        var events: [ByteBuffer] = []
        if endpoint == .chatCompletions { events.append(event([choice("", role: true)])) }
        for piece in pieces { events.append(event([choice(piece)])) }
        events.append(event([choice(endpoint == .chatCompletions ? nil : "", finish: input.finishReason)]))
        if input.includeUsage {
            events.append(event([], usage: usage(input, completion: max(1, words(input.text)), details: endpoint == .chatCompletions)))
        }
        events.append(ByteBuffer(string: "data: [DONE]\n\n"))
        return events
    }
}
