import TokenProtocol

/// What a model costs, in exact dollars per million tokens (USD/MTok, as providers publish it).
public struct ModelPrice: Sendable, Equatable {
    public var inputPerMTok: NanoUSD
    /// The price of prompt tokens read from the provider's cache (OpenAI's `cached_tokens`,
    /// Anthropic's cache reads); the input price when the model has none.
    public var cachedInputPerMTok: NanoUSD
    public var outputPerMTok: NanoUSD
    /// The most completion tokens the model writes in one answer (`max_output_tokens`); a budgeted
    /// request that names no maximum gets one no higher than this (nil: ``defaultMaxOutputTokens``).
    public var maxOutputTokens: Int?

    /// The output cap assumed for a model whose price names none.
    public static let defaultMaxOutputTokens = 4_096

    public init(inputPerMTok: NanoUSD, cachedInputPerMTok: NanoUSD? = nil, outputPerMTok: NanoUSD = .zero, maxOutputTokens: Int? = nil) {
        self.inputPerMTok = inputPerMTok
        self.cachedInputPerMTok = cachedInputPerMTok ?? inputPerMTok
        self.outputPerMTok = outputPerMTok
        self.maxOutputTokens = maxOutputTokens
    }

    /// The cost of one request: uncached prompt tokens at the input price, cached ones at the cached
    /// price, completion tokens at the output price, summed exactly (128-bit) and rounded once to
    /// whole nano-dollars, half up. Cached tokens beyond the prompt count are treated as the prompt.
    func cost(_ usage: Usage) -> NanoUSD {
        let prompt = Int128(max(0, usage.promptTokens ?? 0))
        let cached = min(prompt, Int128(max(0, usage.cachedTokens ?? 0)))
        let completion = Int128(max(0, usage.completionTokens ?? 0))
        let perMillion =
            (prompt - cached) * Int128(inputPerMTok.value) + cached * Int128(cachedInputPerMTok.value) + completion
            * Int128(outputPerMTok.value)
        let nanos = (perMillion + 500_000) / 1_000_000
        return NanoUSD(Int64(clamping: nanos))
    }
}
