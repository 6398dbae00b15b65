/// What an answer used. `promptTokens` includes the cached ones (OpenAI's convention).
struct Usage: Sendable, Equatable {
    var promptTokens: Int?
    var completionTokens: Int?
    /// `prompt_tokens_details.cached_tokens`: the part of the prompt read from the provider's cache.
    var cachedTokens: Int?
    /// The answer carried no usage (a stream cut before its usage chunk, a provider that sends
    /// none): these are the gateway's estimate (``UsageEstimate``).
    var estimated = false

    var total: Int { (promptTokens ?? 0) + (completionTokens ?? 0) }
}

/// Finds the `usage` figures of an OpenAI answer without decoding the whole body: the last
/// `"usage"` key, then the `prompt_tokens`, `completion_tokens` and `cached_tokens` numbers after
/// it. Works on a whole JSON body and on the tail of an SSE stream (whose last data event carries
/// the usage).
enum UsageExtractor {
    static let usageKey = Array(#""usage""#.utf8)
    static let promptKey = Array(#""prompt_tokens""#.utf8)
    static let completionKey = Array(#""completion_tokens""#.utf8)
    static let cachedKey = Array(#""cached_tokens""#.utf8)

    static func extract(_ bytes: some RandomAccessCollection<UInt8>) -> Usage? {
        let data = Array(bytes)
        guard let start = lastIndex(of: usageKey, in: data) else { return nil }
        let end = min(data.count, start + 512)
        let window = Array(data[start..<end])
        let usage = Usage(
            promptTokens: number(after: promptKey, in: window), completionTokens: number(after: completionKey, in: window),
            cachedTokens: number(after: cachedKey, in: window))
        return usage.promptTokens == nil && usage.completionTokens == nil ? nil : usage
    }

    static func lastIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        var index = haystack.count - needle.count
        while index >= 0 {
            if haystack[index] == needle[0], Array(haystack[index..<(index + needle.count)]) == needle { return index }
            index -= 1
        }
        return nil
    }

    static func number(after key: [UInt8], in window: [UInt8]) -> Int? {
        guard let at = firstIndex(of: key, in: window) else { return nil }
        var index = at + key.count
        while index < window.count, window[index] == UInt8(ascii: " ") || window[index] == UInt8(ascii: ":") { index += 1 }
        var value = 0
        var digits = 0
        while index < window.count, window[index] >= 48, window[index] <= 57, digits < 12 {
            value = value * 10 + Int(window[index] - 48)
            index += 1
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count)
        where haystack[index] == needle[0] && Array(haystack[index..<(index + needle.count)]) == needle {
            return index
        }
        return nil
    }
}

/// Keeps the last bytes of a stream, where the usage chunk is.
struct StreamTail {
    static let capacity = 4096
    private(set) var bytes: [UInt8] = []

    mutating func append(_ chunk: some Collection<UInt8>) {
        bytes.append(contentsOf: chunk)
        if bytes.count > 2 * Self.capacity { bytes.removeFirst(bytes.count - Self.capacity) }
    }
}

/// Keeps the first bytes of a stream, where Anthropic's `message_start` (the input usage) is.
struct StreamHead {
    static let capacity = 4096
    private(set) var bytes: [UInt8] = []
    private let limit: Int

    /// Keeps up to `limit` bytes (0: keeps nothing, at no cost).
    init(keeping limit: Int) {
        self.limit = limit
    }

    mutating func append(_ chunk: some Collection<UInt8>) {
        guard bytes.count < limit else { return }
        bytes.append(contentsOf: chunk.prefix(limit - bytes.count))
    }
}
