/// An Anthropic answer's `usage`. Anthropic's convention (the SDK's `Usage` docs): the request's
/// whole input is `input_tokens + cache_creation_input_tokens + cache_read_input_tokens`, so
/// `input_tokens` excludes the tokens read from or written to the cache. OpenAI's `prompt_tokens`
/// includes its `cached_tokens`.
struct AnthropicUsage: Codable, Sendable, Equatable {
    var inputTokens: Int
    var outputTokens: Int
    var cacheCreationInputTokens: Int?
    var cacheReadInputTokens: Int?

    init(inputTokens: Int, outputTokens: Int, cacheCreationInputTokens: Int? = nil, cacheReadInputTokens: Int? = nil) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.cacheCreationInputTokens = cacheCreationInputTokens
        self.cacheReadInputTokens = cacheReadInputTokens
    }

    enum CodingKeys: String, CodingKey {
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case cacheCreationInputTokens = "cache_creation_input_tokens"
        case cacheReadInputTokens = "cache_read_input_tokens"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        inputTokens = try container.decodeIfPresent(Int.self, forKey: .inputTokens) ?? 0
        outputTokens = try container.decodeIfPresent(Int.self, forKey: .outputTokens) ?? 0
        cacheCreationInputTokens = try container.decodeIfPresent(Int.self, forKey: .cacheCreationInputTokens)
        cacheReadInputTokens = try container.decodeIfPresent(Int.self, forKey: .cacheReadInputTokens)
    }

    /// The whole prompt, OpenAI's `prompt_tokens`: input plus cache reads plus cache writes.
    var promptTokens: Int { inputTokens + (cacheReadInputTokens ?? 0) + (cacheCreationInputTokens ?? 0) }
}

/// A stream's `message_delta` usage: cumulative totals; `output_tokens` always, the input figures
/// when the sender knows them (the SDK's accumulator keeps message_start's values otherwise).
struct AnthropicDeltaUsage: Codable, Sendable, Equatable {
    var outputTokens: Int
    var inputTokens: Int?
    var cacheCreationInputTokens: Int?
    var cacheReadInputTokens: Int?

    init(outputTokens: Int, inputTokens: Int? = nil, cacheCreationInputTokens: Int? = nil, cacheReadInputTokens: Int? = nil) {
        self.outputTokens = outputTokens
        self.inputTokens = inputTokens
        self.cacheCreationInputTokens = cacheCreationInputTokens
        self.cacheReadInputTokens = cacheReadInputTokens
    }

    enum CodingKeys: String, CodingKey {
        case inputTokens = "input_tokens"
        case outputTokens = "output_tokens"
        case cacheCreationInputTokens = "cache_creation_input_tokens"
        case cacheReadInputTokens = "cache_read_input_tokens"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        outputTokens = try container.decodeIfPresent(Int.self, forKey: .outputTokens) ?? 0
        inputTokens = try container.decodeIfPresent(Int.self, forKey: .inputTokens)
        cacheCreationInputTokens = try container.decodeIfPresent(Int.self, forKey: .cacheCreationInputTokens)
        cacheReadInputTokens = try container.decodeIfPresent(Int.self, forKey: .cacheReadInputTokens)
    }
}
