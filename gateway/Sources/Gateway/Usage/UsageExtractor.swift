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
/// the usage). Reads the bytes in place: no copy of the body, no allocation per candidate match
/// (bench/HISTORY.md: the copying version made 60 of a proxied request's 155 allocations).
enum UsageExtractor {
    static let usageKey = Array(#""usage""#.utf8)
    static let promptKey = Array(#""prompt_tokens""#.utf8)
    static let completionKey = Array(#""completion_tokens""#.utf8)
    static let cachedKey = Array(#""cached_tokens""#.utf8)
    /// How far after its `"usage"` key a usage object's figures are looked for.
    static let window = 512

    static func extract(_ bytes: some Collection<UInt8>) -> Usage? {
        ByteSearch.withBytes(bytes) { data in
            guard let start = ByteSearch.lastIndex(of: usageKey, in: data) else { return nil }
            let window = data.usageWindow(from: start)
            let usage = Usage(
                promptTokens: number(after: promptKey, in: window), completionTokens: number(after: completionKey, in: window),
                cachedTokens: number(after: cachedKey, in: window))
            return usage.promptTokens == nil && usage.completionTokens == nil ? nil : usage
        }
    }

    static func number(after key: [UInt8], in window: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let at = ByteSearch.firstIndex(of: key, in: window) else { return nil }
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
}

extension UnsafeBufferPointer<UInt8> {
    /// The bytes a usage object's figures are looked for in: up to ``UsageExtractor/window`` from `start`.
    func usageWindow(from start: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: self[start..<Swift.min(count, start + UsageExtractor.window)])
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
