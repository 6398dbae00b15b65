import Foundation
import HTTPTypes
import NIOCore

/// The error answers of the Anthropic mock, shaped as Anthropic documents them
/// (https://docs.anthropic.com/en/api/errors): `{"type":"error","error":{"type":...,"message":...},
/// "request_id":...}` with the same id in the `request-id` header.
public enum MockAnthropicFailure {
    static let requestID = HTTPField.Name("request-id")!

    /// Anthropic's error type and message for `status` (`--fail-status`), for a request for `model`.
    public static func problem(status: Int, model: String) -> (type: String, message: String) {
        switch status {
        case 400: ("invalid_request_error", "messages.0.content: Input should be a valid list")
        case 401: ("authentication_error", "invalid x-api-key")
        case 402: ("billing_error", "Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.")
        case 403: ("permission_error", "Your API key does not have permission to use the specified resource.")
        case 404: ("not_found_error", "model: \(model)")
        case 413: ("request_too_large", "Request exceeds the maximum allowed number of bytes.")
        case 429:
            (
                "rate_limit_error",
                "This request would exceed the rate limit for your organization (mock-org) of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later. You may also contact sales at https://www.anthropic.com/contact-sales to discuss your options for a rate limit increase."
            )
        case 500: ("api_error", "Internal server error")
        case 504: ("timeout_error", "Request timed out")
        case 529: ("overloaded_error", "Overloaded")
        default: ("api_error", "mock failure")
        }
    }

    /// The error envelope.
    public static func body(type: String, message: String, requestID: String) -> ByteBuffer {
        MockCompletion.json(["type": "error", "error": ["type": type, "message": message], "request_id": requestID])
    }

    /// An error answer: the envelope, `request-id`, and `extra` headers (they win).
    static func response(status: Int, type: String, message: String, requestID: String, extra: HTTPFields = [:]) -> (HTTPFields, ByteBuffer) {
        var headers: HTTPFields = [.contentType: "application/json", Self.requestID: requestID]
        for field in extra { headers[field.name] = field.value }
        return (headers, body(type: type, message: message, requestID: requestID))
    }

    /// The `event: error` a stream ends with when the API fails mid-answer (as documented: no request id).
    static func streamEvent(type: String = "overloaded_error", message: String = "Overloaded") -> ByteBuffer {
        var buffer = ByteBuffer(string: "event: error\ndata: ")
        var json = MockCompletion.json(["type": "error", "error": ["type": type, "message": message]])
        buffer.writeBuffer(&json)
        buffer.writeString("\n\n")
        return buffer
    }
}
