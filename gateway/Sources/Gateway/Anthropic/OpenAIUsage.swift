/// OpenAI's `usage`: `prompt_tokens` includes `prompt_tokens_details.cached_tokens`.
struct OpenAIUsage: Codable, Sendable, Equatable {
    struct PromptDetails: Codable, Sendable, Equatable {
        var cachedTokens: Int?
        /// Prompt tokens written to the provider's cache (the OpenAI SDK's `cache_write_tokens`),
        /// part of `prompt_tokens` as the cached ones are.
        var cacheWriteTokens: Int?

        enum CodingKeys: String, CodingKey {
            case cachedTokens = "cached_tokens"
            case cacheWriteTokens = "cache_write_tokens"
        }
    }

    var promptTokens: Int
    var completionTokens: Int
    var totalTokens: Int
    var promptTokensDetails: PromptDetails?

    init(promptTokens: Int, completionTokens: Int, cachedTokens: Int? = nil, cacheWriteTokens: Int? = nil) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = promptTokens + completionTokens
        if cachedTokens != nil || cacheWriteTokens != nil {
            self.promptTokensDetails = PromptDetails(cachedTokens: cachedTokens, cacheWriteTokens: cacheWriteTokens)
        }
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case completionTokens = "completion_tokens"
        case totalTokens = "total_tokens"
        case promptTokensDetails = "prompt_tokens_details"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        promptTokens = try container.decodeIfPresent(Int.self, forKey: .promptTokens) ?? 0
        completionTokens = try container.decodeIfPresent(Int.self, forKey: .completionTokens) ?? 0
        totalTokens = try container.decodeIfPresent(Int.self, forKey: .totalTokens) ?? promptTokens + completionTokens
        promptTokensDetails = try? container.decodeIfPresent(PromptDetails.self, forKey: .promptTokensDetails)
    }

    var cachedTokens: Int { promptTokensDetails?.cachedTokens ?? 0 }

    /// In Anthropic's convention: `input_tokens` without the cache reads and writes, which go in
    /// `cache_read_input_tokens` and `cache_creation_input_tokens` (0 when the provider does not say).
    var anthropic: AnthropicUsage {
        let cached = min(max(0, cachedTokens), promptTokens)
        let written = min(max(0, promptTokensDetails?.cacheWriteTokens ?? 0), promptTokens - cached)
        return AnthropicUsage(
            inputTokens: promptTokens - cached - written, outputTokens: completionTokens, cacheCreationInputTokens: written,
            cacheReadInputTokens: cached)
    }

    /// In the gateway's accounting shape.
    var gatewayUsage: Usage {
        Usage(promptTokens: promptTokens, completionTokens: completionTokens, cachedTokens: promptTokensDetails?.cachedTokens)
    }
}

extension AnthropicUsage {
    /// In OpenAI's convention: `prompt_tokens` is the whole input, cache reads and writes included;
    /// `cached_tokens` the reads, `cache_write_tokens` the writes (when any).
    var openAI: OpenAIUsage {
        let written = cacheCreationInputTokens ?? 0
        return OpenAIUsage(
            promptTokens: promptTokens, completionTokens: outputTokens, cachedTokens: cacheReadInputTokens ?? 0,
            cacheWriteTokens: written > 0 ? written : nil)
    }
}
