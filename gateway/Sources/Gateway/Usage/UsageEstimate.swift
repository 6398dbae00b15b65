/// The usage charged when an answer carries none: a stream cut before its usage chunk (the client
/// left, the provider failed mid-stream), or a provider that does not report usage.
///
/// Deliberately on the high side, so that a budget is not overrun by requests whose figures never
/// came: prompt tokens = the request body's bytes / 4, rounded up (English runs about 4 bytes a
/// token, and the body's JSON framing only adds bytes); completion tokens = the number of chunks
/// relayed (OpenAI streams carry at most one token per content chunk, and the framing chunks add a
/// few) or, for a whole answer, its bytes / 4. The record is marked `usage_estimated`.
enum UsageEstimate {
    static func stream(requestBytes: Int, relayedChunks: Int) -> Usage {
        Usage(promptTokens: (requestBytes + 3) / 4, completionTokens: relayedChunks, cachedTokens: 0, estimated: true)
    }

    static func answer(requestBytes: Int, answerBytes: Int) -> Usage {
        Usage(promptTokens: (requestBytes + 3) / 4, completionTokens: (answerBytes + 3) / 4, cachedTokens: 0, estimated: true)
    }
}
