import NIOCore

/// The crossings between Anthropic's Messages API and OpenAI's chat completions, on the bytes the
/// proxy sends and relays (decode, translate, encode): ``DialectCrossings`` and ``DialectBridge``
/// run these for a request that crosses, and bench/ measures them.
public enum AnthropicTranslation {
    /// A client body that does not decode; its message says which member and why.
    public struct InvalidBody: Error, Sendable {
        public var message: String
    }

    /// A Messages request body as a chat completions body, and what was left out (`top_k`, ...).
    public static func chatRequest(fromMessages body: ByteBuffer) throws -> (body: ByteBuffer, notes: [String]) {
        let messages: AnthropicMessagesRequest
        do {
            messages = try WireJSON.decode(AnthropicMessagesRequest.self, from: body)
        } catch {
            throw InvalidBody(message: WireDecodingError(error).message)
        }
        let chat = AnthropicRequestToChat.translate(messages)
        return (WireJSON.buffer(chat.value), chat.notes.map { "\($0)" })
    }

    /// A chat completions body as a Messages request body, and what was left out.
    public static func messagesRequest(fromChat body: ByteBuffer) throws -> (body: ByteBuffer, notes: [String]) {
        let chat: OpenAIChatRequest
        do {
            chat = try WireJSON.decode(OpenAIChatRequest.self, from: body)
        } catch {
            throw InvalidBody(message: WireDecodingError(error).message)
        }
        let messages = ChatRequestToAnthropic.translate(chat)
        return (WireJSON.buffer(messages.value), messages.notes.map { "\($0)" })
    }

    /// An OpenAI-compatible provider's whole answer (or error) as Anthropic's, named `model`.
    public static func messagesAnswer(fromChat body: ByteBuffer, status: Int, model: String) -> (status: Int, body: ByteBuffer) {
        DialectBridge.anthropicToChat(model: model).answer(status: status, body: body)
    }

    /// An Anthropic provider's whole answer (or error) as OpenAI's, named `model`, created at `created`.
    public static func chatAnswer(fromMessages body: ByteBuffer, status: Int, model: String, created: Int) -> (
        status: Int, body: ByteBuffer
    ) {
        DialectBridge.chatToAnthropic(model: model, includeUsage: false, created: created).answer(status: status, body: body)
    }

    /// A translator of an OpenAI chat stream into Messages events, for an Anthropic client.
    public static func messagesStream(model: String) -> StreamTranslation {
        StreamTranslation(.toAnthropic(ChatStreamToAnthropic(model: model)))
    }

    /// A translator of a Messages stream into OpenAI chunks, for an OpenAI client.
    public static func chatStream(model: String, created: Int, includeUsage: Bool) -> StreamTranslation {
        StreamTranslation(.toChat(AnthropicStreamToChat(created: created, includeUsage: includeUsage, model: model)))
    }
}
