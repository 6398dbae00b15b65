/// Finds the usage of an answer in Anthropic's Messages shape without decoding it, in the
/// gateway's convention (``Usage``: the prompt includes cached tokens). Anthropic counts
/// `input_tokens` without the prompt read from its cache (`cache_read_input_tokens`) or written to
/// it (`cache_creation_input_tokens`); all three are prompt tokens here, the first cached.
///
/// A whole message has one `usage` object. A stream has two: `message_start`'s (the input figures,
/// `output_tokens` 1 or so) near its start and the last `message_delta`'s near its end, whose
/// `output_tokens` is the running total; newer API versions repeat the input figures there too,
/// and then those win.
enum AnthropicUsageExtractor {
    static let inputKey = Array(#""input_tokens""#.utf8)
    static let outputKey = Array(#""output_tokens""#.utf8)
    static let cacheReadKey = Array(#""cache_read_input_tokens""#.utf8)
    static let cacheCreationKey = Array(#""cache_creation_input_tokens""#.utf8)

    struct Figures {
        var input: Int?
        var output: Int?
        var cacheRead: Int?
        var cacheCreation: Int?
    }

    /// The figures of the last (`first`: the first) `usage` object in `bytes`.
    static func figures(_ bytes: some Collection<UInt8>, first: Bool = false) -> Figures? {
        ByteSearch.withBytes(bytes) { bytes in
            let start =
                first
                ? ByteSearch.firstIndex(of: UsageExtractor.usageKey, in: bytes) : ByteSearch.lastIndex(of: UsageExtractor.usageKey, in: bytes)
            guard let start else { return nil }
            let window = bytes.usageWindow(from: start)
            return Figures(
                input: UsageExtractor.number(after: inputKey, in: window), output: UsageExtractor.number(after: outputKey, in: window),
                cacheRead: UsageExtractor.number(after: cacheReadKey, in: window),
                cacheCreation: UsageExtractor.number(after: cacheCreationKey, in: window))
        }
    }

    static func usage(input: Figures, output: Int?) -> Usage? {
        guard input.input != nil || output != nil else { return nil }
        let cacheRead = input.cacheRead ?? 0
        let prompt = input.input.map { $0 + cacheRead + (input.cacheCreation ?? 0) }
        return Usage(promptTokens: prompt, completionTokens: output, cachedTokens: input.cacheRead)
    }

    /// A whole Messages answer's usage.
    static func extract(_ bytes: some RandomAccessCollection<UInt8>) -> Usage? {
        guard let figures = figures(bytes) else { return nil }
        return usage(input: figures, output: figures.output)
    }

    /// A stream's usage from its first bytes (`message_start`) and its last (`message_delta`).
    static func extract(head: [UInt8], tail: [UInt8]) -> Usage? {
        let start = figures(head, first: true)
        let end = figures(tail)
        var input = start ?? Figures()
        if let end, end.input != nil { input = end }
        return usage(input: input, output: end?.output ?? start?.output)
    }
}
