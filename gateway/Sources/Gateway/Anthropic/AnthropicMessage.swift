/// An answer of Anthropic's Messages API (`"type":"message"`), also the `message` of a stream's
/// `message_start`. `stop_reason` and `stop_sequence` are written as explicit nulls, as Anthropic does.
struct AnthropicMessage: Codable, Sendable, Equatable {
    var id: String
    var type = "message"
    var role = "assistant"
    var content: [AnthropicContentBlock]
    var model: String
    /// end_turn, max_tokens, stop_sequence, tool_use, pause_turn, refusal, model_context_window_exceeded;
    /// null only in a stream's message_start.
    var stopReason: String?
    var stopSequence: String?
    var usage: AnthropicUsage

    init(
        id: String, content: [AnthropicContentBlock], model: String, stopReason: String?, stopSequence: String? = nil,
        usage: AnthropicUsage
    ) {
        self.id = id
        self.content = content
        self.model = model
        self.stopReason = stopReason
        self.stopSequence = stopSequence
        self.usage = usage
    }

    enum CodingKeys: String, CodingKey {
        case id, type, role, content, model, usage
        case stopReason = "stop_reason"
        case stopSequence = "stop_sequence"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(type, forKey: .type)
        try container.encode(role, forKey: .role)
        try container.encode(content, forKey: .content)
        try container.encode(model, forKey: .model)
        try container.encode(stopReason, forKey: .stopReason)
        try container.encode(stopSequence, forKey: .stopSequence)
        try container.encode(usage, forKey: .usage)
    }
}
