/// An assistant message's tool call: `{"id","type":"function","function":{"name","arguments"}}`,
/// `arguments` a JSON text.
struct OpenAIToolCall: Codable, Sendable, Equatable {
    struct Function: Codable, Sendable, Equatable {
        var name: String
        var arguments: String
    }

    var id: String
    var type = "function"
    var function: Function

    init(id: String, name: String, arguments: String) {
        self.id = id
        self.function = Function(name: name, arguments: arguments)
    }

    enum CodingKeys: String, CodingKey { case id, type, function }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decodeIfPresent(String.self, forKey: .id) ?? ""
        type = try container.decodeIfPresent(String.self, forKey: .type) ?? "function"
        function = try container.decode(Function.self, forKey: .function)
    }
}

/// A streamed chunk's tool call fragment: the first of a call has its `index`, `id`, `type` and
/// `function.name`; the rest only `index` and a piece of `function.arguments`.
struct OpenAIToolCallDelta: Codable, Sendable, Equatable {
    struct Function: Codable, Sendable, Equatable {
        var name: String?
        var arguments: String?
    }

    var index: Int?
    var id: String?
    var type: String?
    var function: Function?

    init(index: Int, id: String? = nil, type: String? = nil, name: String? = nil, arguments: String? = nil) {
        self.index = index
        self.id = id
        self.type = type
        self.function = name == nil && arguments == nil ? nil : Function(name: name, arguments: arguments)
    }
}
