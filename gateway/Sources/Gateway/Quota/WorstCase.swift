import NIOCore

/// The most a request can cost before it is sent, for a budget to reserve: an upper bound of its
/// prompt tokens and of its completion tokens, at the highest price among the providers that may
/// serve it.
///
/// Prompt: every byte of the request body counts as a token. A byte-level BPE tokenizer (OpenAI's,
/// Anthropic's) never makes more tokens than the text has bytes, and the body holds every text the
/// model reads (its JSON keys and quotes only add bytes). On top: ``tokensPerMessage`` for each
/// message's framing (role markers), ``tokensPerTool`` for each tool definition's framing,
/// ``tokensPerImage`` for each image (its tokens are not bounded by the bytes of its URL: 1,600 is
/// more than OpenAI's largest high-detail image costs) and ``tokensPerRequest``.
/// Completion: the request's `max_completion_tokens`/`max_tokens` times its `n` choices; without
/// one, the gateway sets one (``BudgetGate``).
enum WorstCase {
    static let tokensPerMessage = 8
    static let tokensPerTool = 16
    static let tokensPerImage = 1_600
    static let tokensPerRequest = 16

    /// Counts the framing by the occurrences of its keys (an over-count, inside strings too, only
    /// raises the bound).
    static func promptTokens(_ body: ByteBuffer) -> Int {
        ByteSearch.withBytes(body.readableBytesView) { bytes in
            bytes.count + tokensPerMessage * ByteSearch.occurrences(of: role, in: bytes) + tokensPerTool
                * ByteSearch.occurrences(of: function, in: bytes) + tokensPerImage * ByteSearch.occurrences(of: imageURL, in: bytes)
                + tokensPerRequest
        }
    }

    static let role = Array(#""role""#.utf8)
    static let function = Array(#""function""#.utf8)
    static let imageURL = Array(#""image_url""#.utf8)

    /// The body with `"<member>":<value>,` inserted after its opening brace (a byte copy), or nil
    /// when the body does not start with an object.
    static func inserting(_ member: String, _ value: Int, into body: ByteBuffer) -> ByteBuffer? {
        let bytes = body.readableBytesView
        guard let brace = bytes.firstIndex(where: { !StreamUsage.isWhitespace($0) }), bytes[brace] == UInt8(ascii: "{") else {
            return nil
        }
        var rewritten = ByteBuffer()
        rewritten.reserveCapacity(body.readableBytes + member.utf8.count + 24)
        rewritten.writeBytes(bytes[..<(brace + 1)])
        rewritten.writeString("\"\(member)\":\(value),")
        rewritten.writeBytes(bytes[(brace + 1)...])
        return rewritten
    }
}
