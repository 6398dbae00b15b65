/// Anthropic's error envelope, `{"type":"error","error":{"type","message"},"request_id"}`, in a
/// response body and (without `request_id`) as a stream's `error` event.
struct AnthropicError: Codable, Sendable, Equatable, Error {
    struct Body: Codable, Sendable, Equatable {
        var type: String
        var message: String
    }

    var type = "error"
    var error: Body
    var requestID: String?

    init(type: String, message: String, requestID: String? = nil) {
        self.error = Body(type: type, message: message)
        self.requestID = requestID
    }

    /// The error for an HTTP status, its type from Anthropic's table (``type(forStatus:)``).
    init(status: Int, message: String, requestID: String? = nil) {
        self.init(type: Self.type(forStatus: status), message: message, requestID: requestID)
    }

    enum CodingKeys: String, CodingKey {
        case type, error
        case requestID = "request_id"
    }

    /// Anthropic's documented status -> type table. Other 4xx are `invalid_request_error`, other
    /// 5xx `api_error` (503 `overloaded_error`: the provider is unavailable for now, retry later).
    static func type(forStatus status: Int) -> String {
        switch status {
        case 400: "invalid_request_error"
        case 401: "authentication_error"
        case 402: "billing_error"
        case 403: "permission_error"
        case 404: "not_found_error"
        case 413: "request_too_large"
        case 429: "rate_limit_error"
        case 503, 529: "overloaded_error"
        case 504: "timeout_error"
        case 400..<500: "invalid_request_error"
        default: "api_error"
        }
    }

    /// The status Anthropic answers with for a type (the reverse of the table; unknown types 500).
    static func status(forType type: String) -> Int {
        switch type {
        case "invalid_request_error": 400
        case "authentication_error": 401
        case "billing_error": 402
        case "permission_error": 403
        case "not_found_error": 404
        case "request_too_large": 413
        case "rate_limit_error": 429
        case "timeout_error": 504
        case "overloaded_error": 529
        default: 500
        }
    }

    /// The OpenAI error `type` for this error, for an OpenAI client of an Anthropic provider.
    var openAIType: String {
        switch error.type {
        case "invalid_request_error", "not_found_error", "request_too_large": "invalid_request_error"
        case "authentication_error": "authentication_error"
        case "permission_error": "permission_error"
        case "billing_error": "insufficient_quota"
        case "rate_limit_error": "rate_limit_exceeded"
        case "timeout_error": "timeout"
        default: "server_error"
        }
    }
}
