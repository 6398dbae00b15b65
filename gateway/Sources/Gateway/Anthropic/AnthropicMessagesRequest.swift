/// The body of Anthropic's `POST /v1/messages`: what the gateway reads of it and writes when
/// Anthropic is the provider. Members it does not know are not kept (`thinking` is, for a note).
struct AnthropicMessagesRequest: Codable, Sendable, Equatable {
    struct Message: Codable, Sendable, Equatable {
        /// "user" or "assistant".
        var role: String
        var content: AnthropicContent
    }

    struct Tool: Codable, Sendable, Equatable {
        var name: String
        var description: String?
        var inputSchema: JSONValue?
        /// Absent or "custom" for a client tool; a server tool's versioned type otherwise ("web_search_20250305").
        var type: String?

        enum CodingKeys: String, CodingKey {
            case name, description, type
            case inputSchema = "input_schema"
        }

        var isClientTool: Bool { type == nil || type == "custom" }
    }

    struct Metadata: Codable, Sendable, Equatable {
        var userID: String?

        enum CodingKeys: String, CodingKey { case userID = "user_id" }
    }

    var model: String
    var system: AnthropicContent?
    var messages: [Message]
    var tools: [Tool]?
    var toolChoice: AnthropicToolChoice?
    var maxTokens: Int
    var temperature: Double?
    var topP: Double?
    var topK: Int?
    var stopSequences: [String]?
    var stream: Bool?
    var metadata: Metadata?
    /// Extended thinking's configuration: read only to note that it is dropped.
    var thinking: JSONValue?

    enum CodingKeys: String, CodingKey {
        case model, system, messages, tools, temperature, stream, metadata, thinking
        case toolChoice = "tool_choice"
        case maxTokens = "max_tokens"
        case topP = "top_p"
        case topK = "top_k"
        case stopSequences = "stop_sequences"
    }
}
