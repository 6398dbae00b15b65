/// A content block of Anthropic's Messages API, in requests and answers. The types the gateway
/// translates have their own case; any other (`thinking`, `document`, a server tool's block) is
/// kept whole in `other`, so decoding never fails on a block type added later.
enum AnthropicContentBlock: Codable, Sendable, Equatable {
    case text(String)
    case image(AnthropicImageSource)
    case toolUse(id: String, name: String, input: JSONValue)
    case toolResult(toolUseID: String, content: AnthropicContent?, isError: Bool?)
    case other(type: String, raw: JSONValue)

    var type: String {
        switch self {
        case .text: "text"
        case .image: "image"
        case .toolUse: "tool_use"
        case .toolResult: "tool_result"
        case .other(let type, _): type
        }
    }

    enum CodingKeys: String, CodingKey {
        case type, text, source, id, name, input, content
        case toolUseID = "tool_use_id"
        case isError = "is_error"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "text": self = .text(try container.decode(String.self, forKey: .text))
        case "image": self = .image(try container.decode(AnthropicImageSource.self, forKey: .source))
        case "tool_use":
            self = .toolUse(
                id: try container.decode(String.self, forKey: .id), name: try container.decode(String.self, forKey: .name),
                input: try container.decodeIfPresent(JSONValue.self, forKey: .input) ?? .emptyObject)
        case "tool_result":
            self = .toolResult(
                toolUseID: try container.decode(String.self, forKey: .toolUseID),
                content: try container.decodeIfPresent(AnthropicContent.self, forKey: .content),
                isError: try container.decodeIfPresent(Bool.self, forKey: .isError))
        default: self = .other(type: type, raw: try JSONValue(from: decoder))
        }
    }

    func encode(to encoder: any Encoder) throws {
        if case .other(_, let raw) = self {
            try raw.encode(to: encoder)
            return
        }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        switch self {
        case .text(let text): try container.encode(text, forKey: .text)
        case .image(let source): try container.encode(source, forKey: .source)
        case .toolUse(let id, let name, let input):
            try container.encode(id, forKey: .id)
            try container.encode(name, forKey: .name)
            try container.encode(input, forKey: .input)
        case .toolResult(let toolUseID, let content, let isError):
            try container.encode(toolUseID, forKey: .toolUseID)
            try container.encodeIfPresent(content, forKey: .content)
            try container.encodeIfPresent(isError, forKey: .isError)
        case .other: break
        }
    }
}

/// An image block's `source`: inline base64 data or a URL (a Files API `file` source is kept whole).
enum AnthropicImageSource: Codable, Sendable, Equatable {
    case base64(mediaType: String, data: String)
    case url(String)
    case other(JSONValue)

    enum CodingKeys: String, CodingKey {
        case type, data, url
        case mediaType = "media_type"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(String.self, forKey: .type) {
        case "base64":
            self = .base64(
                mediaType: try container.decode(String.self, forKey: .mediaType), data: try container.decode(String.self, forKey: .data))
        case "url": self = .url(try container.decode(String.self, forKey: .url))
        default: self = .other(try JSONValue(from: decoder))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .base64(let mediaType, let data):
            try container.encode("base64", forKey: .type)
            try container.encode(mediaType, forKey: .mediaType)
            try container.encode(data, forKey: .data)
        case .url(let url):
            try container.encode("url", forKey: .type)
            try container.encode(url, forKey: .url)
        case .other(let raw): try raw.encode(to: encoder)
        }
    }
}

/// Content that Anthropic takes as a plain string or as blocks: a message's `content`, the
/// request's `system`, a tool result's `content`.
enum AnthropicContent: Codable, Sendable, Equatable {
    case text(String)
    case blocks([AnthropicContentBlock])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let node = decoder.jsonNode {  // a type check instead of a failing probe
            if case .string(let text) = node { self = .text(text) } else { self = .blocks(try container.decode([AnthropicContentBlock].self)) }
            return
        }
        if let text = try? container.decode(String.self) {
            self = .text(text)
        } else {
            self = .blocks(try container.decode([AnthropicContentBlock].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let text): try container.encode(text)
        case .blocks(let blocks): try container.encode(blocks)
        }
    }

    /// The content as blocks (a string is one text block).
    var blocks: [AnthropicContentBlock] {
        switch self {
        case .text(let text): [.text(text)]
        case .blocks(let blocks): blocks
        }
    }

    /// The text of the text blocks, joined by a newline.
    var joinedText: String {
        switch self {
        case .text(let text): text
        case .blocks(let blocks):
            blocks.compactMap { if case .text(let text) = $0 { text } else { nil } }.joined(separator: "\n")
        }
    }
}
