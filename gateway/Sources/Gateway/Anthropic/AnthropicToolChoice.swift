/// `tool_choice`: `{"type":"auto"|"any"|"tool"|"none"}`, the first three with an optional
/// `disable_parallel_tool_use`, `tool` with the tool's `name`.
enum AnthropicToolChoice: Codable, Sendable, Equatable {
    case auto(disableParallelToolUse: Bool? = nil)
    case any(disableParallelToolUse: Bool? = nil)
    case tool(name: String, disableParallelToolUse: Bool? = nil)
    case none

    enum CodingKeys: String, CodingKey {
        case type, name
        case disableParallelToolUse = "disable_parallel_tool_use"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let disable = try container.decodeIfPresent(Bool.self, forKey: .disableParallelToolUse)
        switch try container.decode(String.self, forKey: .type) {
        case "auto": self = .auto(disableParallelToolUse: disable)
        case "any": self = .any(disableParallelToolUse: disable)
        case "tool": self = .tool(name: try container.decode(String.self, forKey: .name), disableParallelToolUse: disable)
        case "none": self = .none
        case let other:
            throw DecodingError.dataCorruptedError(forKey: .type, in: container, debugDescription: "unknown tool_choice type '\(other)'")
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .auto(let disable):
            try container.encode("auto", forKey: .type)
            try container.encodeIfPresent(disable, forKey: .disableParallelToolUse)
        case .any(let disable):
            try container.encode("any", forKey: .type)
            try container.encodeIfPresent(disable, forKey: .disableParallelToolUse)
        case .tool(let name, let disable):
            try container.encode("tool", forKey: .type)
            try container.encode(name, forKey: .name)
            try container.encodeIfPresent(disable, forKey: .disableParallelToolUse)
        case .none: try container.encode("none", forKey: .type)
        }
    }

    var disableParallelToolUse: Bool? {
        switch self {
        case .auto(let disable), .any(let disable), .tool(_, let disable): disable
        case .none: nil
        }
    }
}
