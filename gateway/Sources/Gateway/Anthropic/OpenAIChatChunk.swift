import NIOCore

/// A streamed chat completion chunk (`"object":"chat.completion.chunk"`), one `data:` event.
/// `finish_reason` is written as an explicit null until the end, as OpenAI does; the usage-only
/// last chunk has `"choices":[]`.
struct OpenAIChatChunk: Codable, Sendable, Equatable {
    struct Delta: Codable, Sendable, Equatable {
        var role: String?
        var content: String?
        var toolCalls: [OpenAIToolCallDelta]?
        var refusal: String?

        init(role: String? = nil, content: String? = nil, toolCalls: [OpenAIToolCallDelta]? = nil) {
            self.role = role
            self.content = content
            self.toolCalls = toolCalls
        }

        enum CodingKeys: String, CodingKey {
            case role, content, refusal
            case toolCalls = "tool_calls"
        }
    }

    struct Choice: Codable, Sendable, Equatable {
        var index: Int
        var delta: Delta
        var finishReason: String?
        var matchedStop: String?

        init(index: Int = 0, delta: Delta, finishReason: String? = nil) {
            self.index = index
            self.delta = delta
            self.finishReason = finishReason
        }

        enum CodingKeys: String, CodingKey {
            case index, delta
            case finishReason = "finish_reason"
            case stopReason = "stop_reason"
            case matchedStop = "matched_stop"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            index = try container.decodeIfPresent(Int.self, forKey: .index) ?? 0
            delta = try container.decodeIfPresent(Delta.self, forKey: .delta) ?? Delta()
            finishReason = try container.decodeIfPresent(String.self, forKey: .finishReason)
            matchedStop = OpenAIChatCompletion.matchedStop(container)
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(index, forKey: .index)
            try container.encode(delta, forKey: .delta)
            try container.encode(finishReason, forKey: .finishReason)
        }
    }

    var id: String
    var object = "chat.completion.chunk"
    var created: Int
    var model: String
    var choices: [Choice]
    var usage: OpenAIUsage?
    /// An error a provider sends in the stream's place (`data: {"error":{...}}`).
    var error: JSONValue?

    init(id: String, created: Int, model: String, choices: [Choice], usage: OpenAIUsage? = nil) {
        self.id = id
        self.created = created
        self.model = model
        self.choices = choices
        self.usage = usage
    }

    enum CodingKeys: String, CodingKey { case id, object, created, model, choices, usage, error }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(String.self, forKey: .id) ?? ""
        object = try container.decodeIfPresent(String.self, forKey: .object) ?? "chat.completion.chunk"
        created = try container.decodeIfPresent(Int.self, forKey: .created) ?? 0
        model = try container.decodeIfPresent(String.self, forKey: .model) ?? ""
        choices = try container.decodeIfPresent([Choice].self, forKey: .choices) ?? []
        usage = try? container.decodeIfPresent(OpenAIUsage.self, forKey: .usage)
        error = try container.decodeIfPresent(JSONValue.self, forKey: .error)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(object, forKey: .object)
        try container.encode(created, forKey: .created)
        try container.encode(model, forKey: .model)
        try container.encode(choices, forKey: .choices)
        try container.encodeIfPresent(usage, forKey: .usage)
        try container.encodeIfPresent(error, forKey: .error)
    }

    /// The chunk framed for the wire: `data: <json>\n\n`.
    func write(to buffer: inout ByteBuffer) {
        buffer.writeString("data: ")
        buffer.writeBytes(WireJSON.bytes(self))
        buffer.writeString("\n\n")
    }

    static let done = "data: [DONE]\n\n"
}
