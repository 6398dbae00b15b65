import Foundation
import NIOCore
import Testing
@testable import Gateway

@Suite struct AnthropicErrorMappingTests {
    @Test func gatewayErrorsKeepTheirStatusAndMessage() throws {
        let error = AnthropicError(OpenAIError.missingToken, requestID: "req_9")
        #expect(
            try AnthropicGolden.json(String(buffer: error.body))
                == AnthropicGolden.json(
                    #"{"type":"error","error":{"type":"authentication_error","message":"\#(OpenAIError.missingToken.message)"},"request_id":"req_9"}"#))
        #expect(AnthropicError(OpenAIError.tooLarge(10)).error.type == "request_too_large")
    }

    @Test func openAIProviderBodiesAreReenveloped() {
        let body = ByteBuffer(string: #"{"error":{"message":"Rate limit reached for gpt-4o","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#)
        #expect(AnthropicError(status: 429, openAIBody: body) == AnthropicError(type: "rate_limit_error", message: "Rate limit reached for gpt-4o"))
        #expect(AnthropicError(status: 502, openAIBody: ByteBuffer(string: "<html>bad gateway</html>")).error == .init(type: "api_error", message: "The provider answered 502."))
    }

    @Test func anthropicProviderErrorsBecomeOpenAIErrors() throws {
        let parsed = try #require(
            AnthropicError.parse(ByteBuffer(string: #"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"},"request_id":"req_1"}"#)))
        #expect(parsed.requestID == "req_1")
        let openAI = parsed.openAIError(status: 529)
        #expect(openAI.status.code == 503 && openAI.type == "server_error" && openAI.message == "Overloaded")
        #expect(AnthropicError.parse(ByteBuffer(string: "nope")) == nil)
    }
}
