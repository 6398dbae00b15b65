/// A non-streamed chat completion (`"object":"chat.completion"`). `message.content`,
/// `finish_reason` and `logprobs` are written as explicit nulls, as OpenAI does.
struct OpenAIChatCompletion: Codable, Sendable, Equatable {
    struct Message: Codable, Sendable, Equatable {
        var role = "assistant"
        var content: String?
        var toolCalls: [OpenAIToolCall]?
        var refusal: String?

        init(content: String?, toolCalls: [OpenAIToolCall]? = nil) {
            self.content = content
            self.toolCalls = toolCalls
        }

        enum CodingKeys: String, CodingKey {
            case role, content, refusal
            case toolCalls = "tool_calls"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            role = try container.decodeIfPresent(String.self, forKey: .role) ?? "assistant"
            // Some providers send content parts here; their text is what counts.
            if let parts = try? container.decodeIfPresent([OpenAIMessageContent.Part].self, forKey: .content) {
                content = parts.compactMap { if case .text(let text) = $0 { text } else { nil } }.joined()
            } else {
                content = try container.decodeIfPresent(String.self, forKey: .content)
            }
            toolCalls = try container.decodeIfPresent([OpenAIToolCall].self, forKey: .toolCalls)
            refusal = try container.decodeIfPresent(String.self, forKey: .refusal)
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(role, forKey: .role)
            try container.encode(content, forKey: .content)
            try container.encodeIfPresent(toolCalls, forKey: .toolCalls)
            try container.encode(refusal, forKey: .refusal)
        }
    }

    struct Choice: Codable, Sendable, Equatable {
        var index: Int
        var message: Message
        var finishReason: String?
        /// What some OpenAI-compatible servers add when a stop sequence ended the answer: vLLM's
        /// `stop_reason` (the matched string, or a token id), SGLang's `matched_stop`.
        var matchedStop: String?

        init(index: Int = 0, message: Message, finishReason: String?) {
            self.index = index
            self.message = message
            self.finishReason = finishReason
        }

        enum CodingKeys: String, CodingKey {
            case index, message, logprobs
            case finishReason = "finish_reason"
            case stopReason = "stop_reason"
            case matchedStop = "matched_stop"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            index = try container.decodeIfPresent(Int.self, forKey: .index) ?? 0
            message = try container.decode(Message.self, forKey: .message)
            finishReason = try container.decodeIfPresent(String.self, forKey: .finishReason)
            matchedStop = OpenAIChatCompletion.matchedStop(container)
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(message, forKey: .message)
            try container.encode(finishReason, forKey: .finishReason)
            try container.encodeNil(forKey: .logprobs)
        }
    }

    var id: String
    var object = "chat.completion"
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: OpenAIUsage?

    init(id: String, created: Int, model: String, choices: [Choice], usage: OpenAIUsage?) {
        self.id = id
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }

    enum CodingKeys: String, CodingKey { case id, object, created, model, choices, usage }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(String.self, forKey: .id) ?? ""
        object = try container.decodeIfPresent(String.self, forKey: .object) ?? "chat.completion"
        created = try container.decodeIfPresent(Int.self, forKey: .created) ?? 0
        model = try container.decodeIfPresent(String.self, forKey: .model) ?? ""
        choices = try container.decodeIfPresent([Choice].self, forKey: .choices) ?? []
        usage = try? container.decodeIfPresent(OpenAIUsage.self, forKey: .usage)
    }

    /// A matched stop string from `matched_stop` or `stop_reason`, when a string (not a token id).
    static func matchedStop<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>) -> String? {
        for name in ["matched_stop", "stop_reason"] {
            if let key = Key(stringValue: name), let value = try? container.decodeIfPresent(String.self, forKey: key) { return value }
        }
        return nil
    }
}
