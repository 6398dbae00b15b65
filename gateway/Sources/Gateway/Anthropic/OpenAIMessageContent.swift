/// A chat message's `content`: a string or content parts (`text`, `image_url`; any other part,
/// `input_audio`, `file`, `refusal`, kept whole).
enum OpenAIMessageContent: Codable, Sendable, Equatable {
    case text(String)
    case parts([Part])

    enum Part: Codable, Sendable, Equatable {
        case text(String)
        case imageURL(url: String, detail: String?)
        case other(type: String, raw: JSONValue)

        enum CodingKeys: String, CodingKey {
            case type, text, refusal
            case imageURL = "image_url"
        }

        struct ImageURL: Codable, Sendable, Equatable {
            var url: String
            var detail: String?
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            switch try container.decode(String.self, forKey: .type) {
            case "text": self = .text(try container.decode(String.self, forKey: .text))
            case "image_url":
                let image = try container.decode(ImageURL.self, forKey: .imageURL)
                self = .imageURL(url: image.url, detail: image.detail)
            case let type: self = .other(type: type, raw: try JSONValue(from: decoder))
            }
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .text(let text):
                try container.encode("text", forKey: .type)
                try container.encode(text, forKey: .text)
            case .imageURL(let url, let detail):
                try container.encode("image_url", forKey: .type)
                try container.encode(ImageURL(url: url, detail: detail), forKey: .imageURL)
            case .other(_, let raw): try raw.encode(to: encoder)
            }
        }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let node = decoder.jsonNode {  // a type check instead of a failing probe
            if case .string(let text) = node { self = .text(text) } else { self = .parts(try container.decode([Part].self)) }
            return
        }
        if let text = try? container.decode(String.self) {
            self = .text(text)
        } else {
            self = .parts(try container.decode([Part].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .text(let text): try container.encode(text)
        case .parts(let parts): try container.encode(parts)
        }
    }
}
