import Foundation
import Hummingbird
import NIOCore

/// Errors across the two envelopes: the gateway's own errors (``OpenAIError``) and an OpenAI
/// provider's error bodies for an Anthropic client; an Anthropic provider's error bodies for an
/// OpenAI client. The HTTP status stays; the type follows it (``AnthropicError/type(forStatus:)``).
extension AnthropicError {
    /// A gateway error in Anthropic's envelope (its status and headers, such as `retry-after`,
    /// stay the caller's to send).
    init(_ error: OpenAIError, requestID: String? = nil) {
        self.init(status: Int(error.status.code), message: error.message, requestID: requestID)
    }

    /// An OpenAI-compatible provider's error answer (`{"error":{"message",...}}`, or anything) in
    /// Anthropic's envelope.
    init(status: Int, openAIBody body: ByteBuffer, requestID: String? = nil) {
        let message =
            (try? WireJSON.decode(JSONValue.self, from: body)).flatMap { $0.objectValue?["error"]?.objectValue?["message"]?.stringValue }
            ?? "The provider answered \(status)."
        self.init(status: status, message: message, requestID: requestID)
    }

    /// An Anthropic provider's error answer, parsed; nil when the body is not Anthropic's envelope.
    static func parse(_ body: ByteBuffer) -> AnthropicError? {
        try? WireJSON.decode(AnthropicError.self, from: body)
    }

    /// This error in OpenAI's envelope for an OpenAI client of an Anthropic provider (529 becomes
    /// 503, which OpenAI clients know to retry).
    func openAIError(status: Int) -> OpenAIError {
        let code = status == 529 ? 503 : status
        return OpenAIError(HTTPResponse.Status(code: code), error.message, type: openAIType)
    }

    /// The body to send.
    var body: ByteBuffer { WireJSON.buffer(self) }
}
