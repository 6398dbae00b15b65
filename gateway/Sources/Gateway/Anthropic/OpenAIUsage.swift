/// OpenAI's `usage`: `prompt_tokens` includes `prompt_tokens_details.cached_tokens`.
struct OpenAIUsage: Codable, Sendable, Equatable {
    struct PromptDetails: Codable, Sendable, Equatable {
        var cachedTokens: Int?

        enum CodingKeys: String, CodingKey { case cachedTokens = "cached_tokens" }
    }

    var promptTokens: Int
    var completionTokens: Int
    var totalTokens: Int
    var promptTokensDetails: PromptDetails?

    init(promptTokens: Int, completionTokens: Int, cachedTokens: Int? = nil) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = promptTokens + completionTokens
        self.promptTokensDetails = cachedTokens.map { PromptDetails(cachedTokens: $0) }
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

    /// In Anthropic's convention: `input_tokens` without the cache reads, which go in `cache_read_input_tokens`.
    var anthropic: AnthropicUsage {
        let cached = min(max(0, cachedTokens), promptTokens)
        return AnthropicUsage(
            inputTokens: promptTokens - cached, outputTokens: completionTokens, cacheCreationInputTokens: 0, cacheReadInputTokens: cached)
    }

    /// In the gateway's accounting shape.
    var gatewayUsage: Usage {
        Usage(promptTokens: promptTokens, completionTokens: completionTokens, cachedTokens: promptTokensDetails?.cachedTokens)
    }
}

extension AnthropicUsage {
    /// In OpenAI's convention: `prompt_tokens` is the whole input, cache reads and writes included;
    /// `cached_tokens` the reads.
    var openAI: OpenAIUsage {
        OpenAIUsage(promptTokens: promptTokens, completionTokens: outputTokens, cachedTokens: cacheReadInputTokens ?? 0)
    }
}
