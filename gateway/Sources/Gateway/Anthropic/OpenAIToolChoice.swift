/// `tool_choice`: "none", "auto", "required", or `{"type":"function","function":{"name"}}`.
enum OpenAIToolChoice: Codable, Sendable, Equatable {
    case none
    case auto
    case required
    case function(name: String)

    struct Named: Codable {
        struct Function: Codable { var name: String }
        var type = "function"
        var function: Function
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let mode = decoder.jsonNode.map({ $0.stringValue }) ?? (try? container.decode(String.self)) {
            switch mode {
            case "none": self = .none
            case "required": self = .required
            default: self = .auto
            }
        } else {
            self = .function(name: try container.decode(Named.self).function.name)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .none: try container.encode("none")
        case .auto: try container.encode("auto")
        case .required: try container.encode("required")
        case .function(let name): try container.encode(Named(function: .init(name: name)))
        }
    }
}
