import NIOCore

/// One event of an Anthropic Messages stream. On the wire each is `event: <type>\ndata: <json>\n\n`
/// (the SDK skips events without an `event:` line), the JSON's own `type` the same name.
enum AnthropicStreamEvent: Codable, Sendable, Equatable {
    case messageStart(AnthropicMessage)
    case contentBlockStart(index: Int, block: AnthropicContentBlock)
    case contentBlockDelta(index: Int, delta: Delta)
    case contentBlockStop(index: Int)
    case messageDelta(stopReason: String?, stopSequence: String?, usage: AnthropicDeltaUsage)
    case messageStop
    case ping
    case error(AnthropicError.Body)

    /// A content_block_delta's `delta`: `text_delta`, `input_json_delta`; any other (`thinking_delta`,
    /// `signature_delta`, `citations_delta`) kept whole.
    enum Delta: Codable, Sendable, Equatable {
        case text(String)
        case inputJSON(String)
        case other(type: String, raw: JSONValue)

        enum CodingKeys: String, CodingKey {
            case type, text
            case partialJSON = "partial_json"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            switch try container.decode(String.self, forKey: .type) {
            case "text_delta": self = .text(try container.decode(String.self, forKey: .text))
            case "input_json_delta": self = .inputJSON(try container.decode(String.self, forKey: .partialJSON))
            case let type: self = .other(type: type, raw: try JSONValue(from: decoder))
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .text(let text):
                try container.encode("text_delta", forKey: .type)
                try container.encode(text, forKey: .text)
            case .inputJSON(let partial):
                try container.encode("input_json_delta", forKey: .type)
                try container.encode(partial, forKey: .partialJSON)
            case .other(_, let raw): try raw.encode(to: encoder)
            }
        }
    }

    var name: String {
        switch self {
        case .messageStart: "message_start"
        case .contentBlockStart: "content_block_start"
        case .contentBlockDelta: "content_block_delta"
        case .contentBlockStop: "content_block_stop"
        case .messageDelta: "message_delta"
        case .messageStop: "message_stop"
        case .ping: "ping"
        case .error: "error"
        }
    }

    enum CodingKeys: String, CodingKey {
        case type, message, index, delta, usage, error
        case contentBlock = "content_block"
    }

    enum MessageDeltaKeys: String, CodingKey {
        case stopReason = "stop_reason"
        case stopSequence = "stop_sequence"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        switch type {
        case "message_start": self = .messageStart(try container.decode(AnthropicMessage.self, forKey: .message))
        case "content_block_start":
            self = .contentBlockStart(
                index: try container.decode(Int.self, forKey: .index),
                block: try container.decode(AnthropicContentBlock.self, forKey: .contentBlock))
        case "content_block_delta":
            self = .contentBlockDelta(index: try container.decode(Int.self, forKey: .index), delta: try container.decode(Delta.self, forKey: .delta))
        case "content_block_stop": self = .contentBlockStop(index: try container.decode(Int.self, forKey: .index))
        case "message_delta":
            let delta = try container.nestedContainer(keyedBy: MessageDeltaKeys.self, forKey: .delta)
            self = .messageDelta(
                stopReason: try delta.decodeIfPresent(String.self, forKey: .stopReason),
                stopSequence: try delta.decodeIfPresent(String.self, forKey: .stopSequence),
                usage: try container.decodeIfPresent(AnthropicDeltaUsage.self, forKey: .usage) ?? AnthropicDeltaUsage(outputTokens: 0))
        case "message_stop": self = .messageStop
        case "ping": self = .ping
        case "error": self = .error(try container.decode(AnthropicError.Body.self, forKey: .error))
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: "unknown stream event '\(type)'")
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .type)
        switch self {
        case .messageStart(let message): try container.encode(message, forKey: .message)
        case .contentBlockStart(let index, let block):
            try container.encode(index, forKey: .index)
            try container.encode(block, forKey: .contentBlock)
        case .contentBlockDelta(let index, let delta):
            try container.encode(index, forKey: .index)
            try container.encode(delta, forKey: .delta)
        case .contentBlockStop(let index): try container.encode(index, forKey: .index)
        case .messageDelta(let stopReason, let stopSequence, let usage):
            var delta = container.nestedContainer(keyedBy: MessageDeltaKeys.self, forKey: .delta)
            try delta.encode(stopReason, forKey: .stopReason)
            try delta.encode(stopSequence, forKey: .stopSequence)
            try container.encode(usage, forKey: .usage)
        case .messageStop, .ping: break
        case .error(let body): try container.encode(body, forKey: .error)
        }
    }

    /// The event framed for the wire: `event: <type>\ndata: <json>\n\n`.
    func write(to buffer: inout ByteBuffer) {
        buffer.writeString("event: ")
        buffer.writeString(name)
        buffer.writeString("\ndata: ")
        buffer.writeBytes(WireJSON.bytes(self))
        buffer.writeString("\n\n")
    }
}
