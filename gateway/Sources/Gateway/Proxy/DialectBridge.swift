import Foundation
import HTTPTypes
import NIOCore

/// How one request crosses to a provider and its answer comes back, by the client's API
/// (``Endpoint/dialect``) and the provider's (``ProviderConfig/Kind``):
///
/// - the same API (an OpenAI client of an OpenAI-compatible provider, an Anthropic client of an
///   `anthropic` provider): bytes go through untouched (``native``);
/// - an Anthropic client of an OpenAI-compatible provider (``anthropicToChat``): the Messages body
///   becomes a chat request (``AnthropicRequestToChat``), the answer a message
///   (``ChatCompletionToAnthropic``), the stream Messages events (``ChatStreamToAnthropic``) and
///   an error Anthropic's envelope;
/// - an OpenAI chat client of an `anthropic` provider (``chatToAnthropic``): the reverse
///   (``ChatRequestToAnthropic``, ``AnthropicMessageToChat``, ``AnthropicStreamToChat``).
enum DialectBridge: Sendable {
    case native
    case anthropicToChat(model: String)
    case chatToAnthropic(model: String, includeUsage: Bool, created: Int)

    /// Whether a provider of `kind` serves `endpoint` at all: an `anthropic` provider has no
    /// completions or embeddings.
    static func serves(_ kind: ProviderConfig.Kind, _ endpoint: Endpoint) -> Bool {
        kind != .anthropic || endpoint == .messages || endpoint == .chatCompletions
    }

    /// A whole answer (a success or the request's own error) in the client's API: its status and body.
    func answer(status: Int, body: ByteBuffer) -> (status: Int, body: ByteBuffer) {
        switch self {
        case .native:
            return (status, body)
        case .anthropicToChat(let model):
            guard (200..<300).contains(status) else { return (status, AnthropicError(status: status, openAIBody: body).body) }
            guard let completion = try? WireJSON.decode(OpenAIChatCompletion.self, from: body) else {
                return (502, AnthropicError(status: 502, message: "The provider's answer was not a chat completion.").body)
            }
            return (status, WireJSON.buffer(ChatCompletionToAnthropic.translate(completion, model: model).value))
        case .chatToAnthropic(let model, _, let created):
            guard (200..<300).contains(status) else {
                let error =
                    AnthropicError.parse(body)?.openAIError(status: status)
                    ?? OpenAIError(.init(code: status == 529 ? 503 : status), "The provider answered \(status).", type: OpenAIError.kind(.init(code: status)))
                return (Int(error.status.code), error.body)
            }
            guard let message = try? WireJSON.decode(AnthropicMessage.self, from: body) else {
                return (502, OpenAIError.upstreamFailed("The provider's answer was not a Messages answer.").body)
            }
            return (status, WireJSON.buffer(AnthropicMessageToChat.translate(message, created: created, model: model).value))
        }
    }

    /// A streamed answer's body in the client's API, translated chunk by chunk as it arrives.
    func stream(_ body: UpstreamBody) -> UpstreamBody {
        switch self {
        case .native:
            return body
        case .anthropicToChat(let model):
            return .translated(body, AnthropicTranslation.messagesStream(model: model))
        case .chatToAnthropic(let model, let includeUsage, let created):
            return .translated(body, AnthropicTranslation.chatStream(model: model, created: created, includeUsage: includeUsage))
        }
    }
}

/// A stream translator's state (``DialectBridge/stream(_:)``): fed the provider's bytes, it gives
/// the client's.
public struct StreamTranslation: Sendable {
    enum Direction: Sendable {
        case toAnthropic(ChatStreamToAnthropic)
        case toChat(AnthropicStreamToChat)
    }

    var direction: Direction

    init(_ direction: Direction) {
        self.direction = direction
    }

    /// The client's bytes for the provider's `chunk` (possibly none yet).
    public mutating func feed(_ chunk: ByteBuffer) -> ByteBuffer {
        switch direction {
        case .toAnthropic(var translator):
            defer { direction = .toAnthropic(translator) }
            return translator.feed(chunk)
        case .toChat(var translator):
            defer { direction = .toChat(translator) }
            return translator.feed(chunk)
        }
    }

    /// The provider's stream ended: what the client is still owed.
    public mutating func finish() -> ByteBuffer {
        switch direction {
        case .toAnthropic(var translator):
            defer { direction = .toAnthropic(translator) }
            return translator.finish()
        case .toChat(var translator):
            defer { direction = .toChat(translator) }
            return translator.finish()
        }
    }
}
