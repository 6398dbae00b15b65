import NIOCore

/// A request body that does not decode, told the way Anthropic's API tells it: the member's path
/// and what is wrong (`messages.1.content.0.type: Field required`), for a 400 in either envelope.
struct WireDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    var message: String

    var description: String { message }

    init(message: String) {
        self.message = message
    }

    init(_ error: any Error) {
        guard let error = error as? DecodingError else {
            self.message = "The request body could not be read."
            return
        }
        switch error {
        case .keyNotFound(let key, let context):
            self.message = "\(Self.path(context.codingPath + [key])): Field required"
        case .typeMismatch(let type, let context):
            self.message = "\(Self.path(context.codingPath)): Input should be \(Self.kind(type))"
        case .valueNotFound(let type, let context):
            self.message = "\(Self.path(context.codingPath)): Input should be \(Self.kind(type))"
        case .dataCorrupted(let context):
            self.message =
                context.codingPath.isEmpty
                ? "The request body is not valid JSON." : "\(Self.path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            self.message = "The request body could not be read."
        }
    }

    /// `messages.1.content`: keys by name, array elements by index.
    static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    static func kind(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a valid string"
        case is Int.Type, is Int64.Type: "a valid integer"
        case is Double.Type: "a valid number"
        case is Bool.Type: "a valid boolean"
        default: "of a valid type"
        }
    }

    /// A body decoded, or this error.
    static func decode<T: Decodable>(_ type: T.Type, from body: ByteBuffer) throws(WireDecodingError) -> T {
        do {
            return try WireJSON.decode(type, from: body)
        } catch {
            throw WireDecodingError(error)
        }
    }
}

extension AnthropicError {
    /// A body that does not decode, as Anthropic's 400.
    init(_ error: WireDecodingError, requestID: String? = nil) {
        self.init(type: "invalid_request_error", message: error.message, requestID: requestID)
    }
}

extension OpenAIError {
    /// A body that does not decode, as OpenAI's 400.
    static func invalidBody(_ error: WireDecodingError) -> OpenAIError {
        .invalidRequest(error.message)
    }
}
