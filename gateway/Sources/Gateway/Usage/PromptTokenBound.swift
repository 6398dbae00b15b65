/// An upper bound on the input tokens of an Anthropic Messages request, for `count_tokens` when
/// the model is served by a provider that cannot count them (an OpenAI-compatible one): every
/// UTF-8 byte of the text that reaches the model (the system prompt, message text, tool names,
/// descriptions and schemas, tool inputs and results) counts as a token, since a byte-level BPE
/// token is at least one byte; plus a few tokens of framing per message and tool, and a flat
/// 1,600 per image (Anthropic scales images down until they cost at most about that). Real
/// counts are usually 3 to 4 times smaller for English text.
enum PromptTokenBound {
    static let perRequest = 8
    static let perMessage = 4
    static let perTool = 8
    static let perImage = 1_600

    /// The bound for a `count_tokens` (or Messages) body.
    static func inputTokens(_ request: JSONValue) -> Int {
        guard let object = request.objectValue else { return perRequest }
        var total = perRequest
        if let system = object["system"] { total += size(of: system) }
        if case .array(let messages) = object["messages"] {
            total += messages.count * perMessage
            for message in messages { total += size(of: message.objectValue?["content"] ?? .null) }
        }
        if case .array(let tools) = object["tools"] {
            total += tools.count * perTool
            for tool in tools { total += size(of: tool) }
        }
        return total
    }

    /// Bytes of every key and string in `value`, and of every number as written; an image block 1,600.
    static func size(of value: JSONValue) -> Int {
        switch value {
        case .null, .bool: return 1
        case .integer(let number): return String(number).utf8.count
        case .number(let number): return String(number).utf8.count
        case .string(let text): return text.utf8.count
        case .array(let items): return items.reduce(0) { $0 + size(of: $1) }
        case .object(let members):
            if members["type"]?.stringValue == "image" { return perImage }
            return members.reduce(0) { $0 + $1.key.utf8.count + size(of: $1.value) }
        }
    }
}
