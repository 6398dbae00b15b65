import HTTPTypes
import Logging
import NIOCore

/// The upstream request for each kind of provider one client request may try (fallback can cross
/// from an `anthropic` provider to an OpenAI-compatible one and back), each built at most once:
/// the client's body as it is for a provider of its own API, translated for the other
/// (``DialectBridge``).
struct DialectCrossings {
    let endpoint: Endpoint
    let body: ByteBuffer
    let probe: RequestProbe
    let requestID: String
    let clientHeaders: HTTPFields
    /// The client's OpenAI stream gets its usage chunk (it asked, or the gateway strips it again).
    let includeUsage: Bool
    /// Unix time, for translated chat answers' `created`.
    let now: Double
    var logger: Logger?

    private var translated: (UpstreamRequest, DialectBridge)?

    init(
        endpoint: Endpoint, body: ByteBuffer, probe: RequestProbe, requestID: String, clientHeaders: HTTPFields, includeUsage: Bool,
        now: Double, logger: Logger? = nil
    ) {
        self.endpoint = endpoint
        self.body = body
        self.probe = probe
        self.requestID = requestID
        self.clientHeaders = clientHeaders
        self.includeUsage = includeUsage
        self.now = now
        self.logger = logger
    }

    /// The request for a provider of `kind`, and how its answer comes back. Throws the 400 the
    /// client should see when its body cannot be translated.
    mutating func request(for kind: ProviderConfig.Kind) throws -> (UpstreamRequest, DialectBridge) {
        let anthropicProvider = kind == .anthropic
        if anthropicProvider == (endpoint.dialect == .anthropic) {
            let headers = anthropicProvider ? AnthropicProviderClient.passedRequestHeaders(from: clientHeaders) : HTTPFields()
            let request = UpstreamRequest(
                endpoint: endpoint, body: body, stream: probe.stream, requestID: requestID, accept: clientHeaders[.accept],
                headers: headers)
            return (request, .native)
        }
        if let translated { return translated }
        let built = try translate()
        translated = built
        return built
    }

    private func translate() throws -> (UpstreamRequest, DialectBridge) {
        do {
            switch endpoint.dialect {
            case .anthropic:
                let chat = try AnthropicTranslation.chatRequest(fromMessages: body)
                log(chat.notes)
                let request = UpstreamRequest(endpoint: .chatCompletions, body: chat.body, stream: probe.stream, requestID: requestID)
                return (request, .anthropicToChat(model: probe.model))
            case .openAI:
                let messages = try AnthropicTranslation.messagesRequest(fromChat: body)
                log(messages.notes)
                let request = UpstreamRequest(endpoint: .messages, body: messages.body, stream: probe.stream, requestID: requestID)
                return (request, .chatToAnthropic(model: probe.model, includeUsage: includeUsage, created: Int(now)))
            }
        } catch let invalid as AnthropicTranslation.InvalidBody {
            throw OpenAIError.invalidRequest(invalid.message)
        }
    }

    /// What the translation left out (`top_k`, blocks with no equivalent), at debug.
    private func log(_ notes: [String]) {
        guard let logger, !notes.isEmpty, logger.logLevel <= .debug else { return }
        for note in notes {
            logger.debug("translation note", metadata: ["request.id": "\(requestID)", "note": "\(note)"])
        }
    }
}
