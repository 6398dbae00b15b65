/// The body of OpenAI's `POST /v1/chat/completions`, as far as the Anthropic translation reads
/// and writes it. The parameters Anthropic has no equivalent for are read only to note that they
/// are dropped.
struct OpenAIChatRequest: Codable, Sendable, Equatable {
    struct Message: Codable, Sendable, Equatable {
        /// "system", "developer", "user", "assistant" or "tool".
        var role: String
        var content: OpenAIMessageContent?
        var name: String?
        var toolCalls: [OpenAIToolCall]?
        var toolCallID: String?

        init(
            role: String, content: OpenAIMessageContent? = nil, name: String? = nil, toolCalls: [OpenAIToolCall]? = nil,
            toolCallID: String? = nil
        ) {
            self.role = role
            self.content = content
            self.name = name
            self.toolCalls = toolCalls
            self.toolCallID = toolCallID
        }

        enum CodingKeys: String, CodingKey {
            case role, content, name
            case toolCalls = "tool_calls"
            case toolCallID = "tool_call_id"
        }
    }

    struct Tool: Codable, Sendable, Equatable {
        struct Function: Codable, Sendable, Equatable {
            var name: String
            var description: String?
            var parameters: JSONValue?
            var strict: Bool?
        }

        var type = "function"
        var function: Function
    }

    struct StreamOptions: Codable, Sendable, Equatable {
        var includeUsage: Bool?

        enum CodingKeys: String, CodingKey { case includeUsage = "include_usage" }
    }

    var model: String
    var messages: [Message]
    var maxTokens: Int?
    var maxCompletionTokens: Int?
    var temperature: Double?
    var topP: Double?
    /// `stop`: a string or up to four strings; always written as an array.
    var stop: [String]?
    var stream: Bool?
    var streamOptions: StreamOptions?
    var user: String?
    var tools: [Tool]?
    var toolChoice: OpenAIToolChoice?
    var parallelToolCalls: Bool?
    // Read for notes only.
    var n: Int?
    var responseFormat: JSONValue?
    var logprobs: JSONValue?
    var presencePenalty: JSONValue?
    var frequencyPenalty: JSONValue?
    var seed: JSONValue?
    var logitBias: JSONValue?
    var reasoningEffort: JSONValue?

    init(model: String, messages: [Message]) {
        self.model = model
        self.messages = messages
    }

    enum CodingKeys: String, CodingKey {
        case model, messages, temperature, stop, stream, user, tools, n, logprobs, seed
        case maxTokens = "max_tokens"
        case maxCompletionTokens = "max_completion_tokens"
        case topP = "top_p"
        case streamOptions = "stream_options"
        case toolChoice = "tool_choice"
        case parallelToolCalls = "parallel_tool_calls"
        case responseFormat = "response_format"
        case presencePenalty = "presence_penalty"
        case frequencyPenalty = "frequency_penalty"
        case logitBias = "logit_bias"
        case reasoningEffort = "reasoning_effort"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        model = try container.decode(String.self, forKey: .model)
        messages = try container.decode([Message].self, forKey: .messages)
        maxTokens = try container.decodeIfPresent(Int.self, forKey: .maxTokens)
        maxCompletionTokens = try container.decodeIfPresent(Int.self, forKey: .maxCompletionTokens)
        temperature = try container.decodeIfPresent(Double.self, forKey: .temperature)
        topP = try container.decodeIfPresent(Double.self, forKey: .topP)
        if let single = try? container.decodeIfPresent(String.self, forKey: .stop) {
            stop = [single]
        } else {
            stop = try container.decodeIfPresent([String].self, forKey: .stop)
        }
        stream = try container.decodeIfPresent(Bool.self, forKey: .stream)
        streamOptions = try container.decodeIfPresent(StreamOptions.self, forKey: .streamOptions)
        user = try container.decodeIfPresent(String.self, forKey: .user)
        tools = try container.decodeIfPresent([Tool].self, forKey: .tools)
        toolChoice = try container.decodeIfPresent(OpenAIToolChoice.self, forKey: .toolChoice)
        parallelToolCalls = try container.decodeIfPresent(Bool.self, forKey: .parallelToolCalls)
        n = try container.decodeIfPresent(Int.self, forKey: .n)
        responseFormat = try container.decodeIfPresent(JSONValue.self, forKey: .responseFormat)
        logprobs = try container.decodeIfPresent(JSONValue.self, forKey: .logprobs)
        presencePenalty = try container.decodeIfPresent(JSONValue.self, forKey: .presencePenalty)
        frequencyPenalty = try container.decodeIfPresent(JSONValue.self, forKey: .frequencyPenalty)
        seed = try container.decodeIfPresent(JSONValue.self, forKey: .seed)
        logitBias = try container.decodeIfPresent(JSONValue.self, forKey: .logitBias)
        reasoningEffort = try container.decodeIfPresent(JSONValue.self, forKey: .reasoningEffort)
    }
}
