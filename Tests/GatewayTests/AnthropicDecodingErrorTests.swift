import Foundation
import NIOCore
import Testing
@testable import Gateway

@Suite struct AnthropicDecodingErrorTests {
    func message(_ json: String) -> String? {
        do {
            _ = try WireDecodingError.decode(AnthropicMessagesRequest.self, from: ByteBuffer(string: json))
            return nil
        } catch {
            return error.message
        }
    }

    @Test func theMessageNamesTheMemberLikeAnthropicDoes() {
        #expect(message(#"{"model":"m","messages":[]}"#) == "max_tokens: Field required")
        #expect(message(#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"text":"x"}]}]}"#) == "messages.0.content.0.type: Field required")
        #expect(message(#"{"model":"m","max_tokens":"5","messages":[]}"#) == "max_tokens: Input should be a valid integer")
        #expect(message(#"{"model":"m","#) == "The request body is not valid JSON.")
        #expect(message(#"{"model":"m","max_tokens":5,"messages":[],"tool_choice":{"type":"sometimes"}}"#)?.hasPrefix("tool_choice.type: ") == true)
        #expect(message(#"{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}"#) == nil)
    }

    @Test func itBecomesA400InEitherEnvelope() throws {
        let error = WireDecodingError(message: "max_tokens: Field required")
        #expect(AnthropicError(error) == AnthropicError(type: "invalid_request_error", message: "max_tokens: Field required"))
        #expect(OpenAIError.invalidBody(error).status == .badRequest)
        #expect(OpenAIError.invalidBody(error).type == "invalid_request_error")
    }
}
