import Foundation
import NIOCore

/// What the Anthropic mock reads from a Messages request body (`POST /v1/messages` and
/// `/v1/messages/count_tokens`), validated the way the real API validates the cases the gateway
/// meets: a problem is the API's error type and message.
struct MockAnthropicRequest {
    /// A request the API refuses: `status`, Anthropic's error `type` and its `message`.
    struct Problem: Error, Equatable {
        var status: Int
        var type: String
        var message: String

        static func invalid(_ message: String) -> Problem { Problem(status: 400, type: "invalid_request_error", message: message) }
    }

    /// A tool the request offers.
    struct Tool {
        var name: String
        var description: String
    }

    var model: String
    var maxTokens: Int
    var stream: Bool
    var stopSequences: [String]
    var tools: [Tool]
    /// `tool_choice.type` (`auto`, `any`, `tool`, `none`) and, for `tool`, its `name`.
    var toolChoice: String
    var toolChoiceName: String?
    /// Words of the tools, the system prompt and every message but the last: the prefix a cache holds.
    var prefixWords: Int
    /// Words of the last message.
    var lastWords: Int
    /// The text of the last user message; for a turn of tool results, what the tools returned.
    var lastUserText: String
    /// The last user message holds `tool_result` blocks.
    var answersTools: Bool

    /// `input_tokens` as count_tokens reports it: everything the model reads.
    var totalInputTokens: Int { prefixWords + max(1, lastWords) }

    /// Parses `body`; `countTokens` bodies need no `max_tokens`.
    static func parse(_ body: ByteBuffer, countTokens: Bool = false) -> Result<MockAnthropicRequest, Problem> {
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] else {
            return .failure(.invalid("There was an error parsing the body of your request: not a JSON object."))
        }
        guard let model = object["model"] as? String else { return .failure(.invalid("model: Field required")) }
        guard let messages = object["messages"] as? [[String: Any]] else { return .failure(.invalid("messages: Field required")) }
        guard !messages.isEmpty else { return .failure(.invalid("messages: at least one message is required")) }
        for (index, message) in messages.enumerated() where !["user", "assistant"].contains(message["role"] as? String ?? "") {
            return .failure(.invalid("messages.\(index).role: Input should be 'user' or 'assistant'"))
        }
        var maxTokens = Int.max
        if !countTokens {
            guard let value = object["max_tokens"] else { return .failure(.invalid("max_tokens: Field required")) }
            guard let number = value as? Int else { return .failure(.invalid("max_tokens: Input should be a valid integer")) }
            guard number >= 1 else { return .failure(.invalid("max_tokens: Input should be greater than or equal to 1")) }
            maxTokens = number
        }
        let tools = (object["tools"] as? [[String: Any]] ?? []).compactMap { tool in
            (tool["name"] as? String).map { Tool(name: $0, description: tool["description"] as? String ?? "") }
        }
        let choice = object["tool_choice"] as? [String: Any]
        let names = toolNames(messages)
        var prefix = tools.reduce(0) { $0 + words($1.name) + words($1.description) } + words(text(object["system"], names: names))
        prefix += messages.dropLast().reduce(0) { $0 + words(text($1["content"], names: names)) }
        let lastUser = messages.last { ($0["role"] as? String) == "user" }
        let answersTools = (lastUser?["content"] as? [[String: Any]])?.contains { ($0["type"] as? String) == "tool_result" } ?? false
        return .success(
            MockAnthropicRequest(
                model: model, maxTokens: maxTokens, stream: object["stream"] as? Bool ?? false,
                stopSequences: (object["stop_sequences"] as? [String] ?? []).filter { !$0.isEmpty }, tools: tools,
                toolChoice: choice?["type"] as? String ?? "auto", toolChoiceName: choice?["name"] as? String, prefixWords: prefix,
                lastWords: words(text(messages.last?["content"], names: names)),
                lastUserText: text(lastUser?["content"], names: names), answersTools: answersTools))
    }

    /// The names of the tools the assistant called, by `tool_use` id.
    static func toolNames(_ messages: [[String: Any]]) -> [String: String] {
        var names: [String: String] = [:]
        for message in messages {
            for block in message["content"] as? [[String: Any]] ?? [] where (block["type"] as? String) == "tool_use" {
                if let id = block["id"] as? String, let name = block["name"] as? String { names[id] = name }
            }
        }
        return names
    }

    /// The words a content (a string or blocks) holds: `text` blocks, `tool_use` names, and for a
    /// `tool_result` "<tool name> returned: <its content>" ("failed" when `is_error`).
    static func text(_ content: Any?, names: [String: String] = [:]) -> String {
        if let text = content as? String { return text }
        let blocks = content as? [[String: Any]] ?? []
        return blocks.compactMap { block -> String? in
            switch block["type"] as? String {
            case "text": return block["text"] as? String
            case "tool_use": return block["name"] as? String
            case "tool_result":
                let id = block["tool_use_id"] as? String ?? ""
                let verb = (block["is_error"] as? Bool ?? false) ? "failed" : "returned"
                return "\(names[id] ?? id) \(verb): \(text(block["content"]))"
            default: return nil
            }
        }.joined(separator: " ")
    }

    static func words(_ text: String) -> Int { text.split(whereSeparator: \.isWhitespace).count }
}
