import ServiceSupport
import Foundation
import HTTPTypes
import NIOCore

/// The error answers of `gateway mock-upstream --fail-status`, shaped as OpenAI documents them
/// (https://platform.openai.com/docs/guides/error-codes): no kinder than the real API. A `401`
/// quotes the start and end of the key it was sent, as OpenAI's does; a `429` names the model and
/// carries no `Retry-After` unless the test adds one (`--fail-header`).
public enum MockFailure {
    /// The body for `status`, for a request with `model` and `authorization` (`Bearer sk-...`).
    public static func body(status: Int, model: String, authorization: String?) -> ByteBuffer {
        let error: [String: Any]
        switch status {
        case 400:
            error = [
                "message": "Invalid type for 'messages[0].content': expected one of a string or array of objects, but got an integer instead.",
                "type": "invalid_request_error", "param": "messages[0].content", "code": "invalid_type",
            ]
        case 401:
            error = [
                "message": "Incorrect API key provided: \(masked(authorization)). You can find your API key at https://platform.openai.com/account/api-keys.",
                "type": "invalid_request_error", "param": NSNull(), "code": "invalid_api_key",
            ]
        case 403:
            error = [
                "message": "Project `proj_mock` does not have access to model `\(model)`", "type": "invalid_request_error", "param": NSNull(),
                "code": "model_not_found",
            ]
        case 404:
            error = [
                "message": "The model `\(model)` does not exist or you do not have access to it.", "type": "invalid_request_error",
                "param": NSNull(), "code": "model_not_found",
            ]
        case 429:
            error = [
                "message":
                    "Rate limit reached for \(model) in organization org-mock on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s. Visit https://platform.openai.com/account/rate-limits to learn more.",
                "type": "requests", "param": NSNull(), "code": "rate_limit_exceeded",
            ]
        case 500:
            error = [
                "message": "The server had an error while processing your request. Sorry about that!", "type": "server_error",
                "param": NSNull(), "code": NSNull(),
            ]
        case 503:
            error = [
                "message": "The engine is currently overloaded, please try again later.", "type": "server_error", "param": NSNull(),
                "code": NSNull(),
            ]
        default:
            return ByteBuffer(string: #"{"error":{"message":"mock failure","type":"api_error","param":null,"code":null}}"#)
        }
        return MockCompletion.json(["error": error])
    }

    /// `sk-integ*******test`: OpenAI's way of quoting a wrong key.
    static func masked(_ authorization: String?) -> String {
        let key = authorization.map { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : $0 } ?? ""
        guard key.count > 12 else { return String(repeating: "*", count: key.count) }
        return String(key.prefix(8)) + String(repeating: "*", count: key.count - 12) + String(key.suffix(4))
    }

    /// `name: value` options as headers, or nil when one is not such an option.
    public static func headers(_ texts: [String]) -> HTTPFields? {
        var headers = HTTPFields()
        for text in texts {
            guard let colon = text.firstIndex(of: ":"),
                let name = HTTPField.Name(text[..<colon].trimmingCharacters(in: .whitespaces))
            else { return nil }
            headers.append(HTTPField(name: name, value: text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        return headers
    }

    /// Thrown by the mock's stream body to cut the connection mid-stream.
    struct Cut: Error {}
}
