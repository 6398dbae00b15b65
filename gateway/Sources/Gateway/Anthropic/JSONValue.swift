import Foundation

/// Any JSON value, for the parts of the Anthropic and OpenAI wire shapes the gateway carries
/// without looking inside: a tool's `input_schema`/`parameters`, a tool call's `input`, a content
/// block type it does not translate. Integers stay integers (no `1` -> `1.0`).
enum JSONValue: Codable, Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        // The fast path: a ``JSONValueDecoder`` holds the node already.
        if let node = decoder.jsonNode {
            self = node
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if encoder is JSONValueEncoder {
            try container.encode(self)
            return
        }
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .integer(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    static let emptyObject = JSONValue.object([:])

    var objectValue: [String: JSONValue]? {
        if case .object(let value) = self { return value }
        return nil
    }

    var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// Parses JSON text (a tool call's `arguments`); nil when it is not JSON.
    static func parse(_ text: String) -> JSONValue? {
        try? JSONParser.parse(text)
    }

    /// Compact JSON text with sorted keys (a tool call's `arguments` from an `input` object).
    var jsonText: String { WireJSON.string(self) }
}
