import ServiceSupport
import Foundation
import Hummingbird
import TokenProtocol

/// An error in OpenAI's envelope: `{"error": {"message", "type", "param", "code"}}`, so SDKs raise
/// the exception they would raise against OpenAI itself (401 -> AuthenticationError, and so on).
public struct OpenAIError: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    public var type: String
    public var param: String?
    public var code: String?
    public var headers: HTTPFields

    public init(
        _ status: HTTPResponse.Status, _ message: String, type: String, param: String? = nil, code: String? = nil,
        headers: HTTPFields = [:]
    ) {
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = headers
    }

    struct Envelope: Encodable {
        struct Body: Encodable {
            var message: String
            var type: String
            var param: String?
            var code: String?

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(message, forKey: .message)
                try container.encode(type, forKey: .type)
                try container.encode(param, forKey: .param)  // OpenAI sends explicit nulls
                try container.encode(code, forKey: .code)
            }

            enum CodingKeys: String, CodingKey { case message, type, param, code }
        }
        var error: Body
    }

    public var body: ByteBuffer {
        let envelope = Envelope(error: .init(message: message, type: type, param: param, code: code))
        return ByteBuffer(bytes: (try? JSONEncoder().encode(envelope)) ?? Data(#"{"error":{}}"#.utf8))
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: body))
    }

    // MARK: - the errors the gateway answers with

    static func invalidRequest(_ message: String, param: String? = nil, code: String? = nil) -> OpenAIError {
        OpenAIError(.badRequest, message, type: "invalid_request_error", param: param, code: code)
    }

    static func invalidToken(_ message: String) -> OpenAIError {
        OpenAIError(
            .unauthorized, message, type: "invalid_request_error", code: "invalid_api_key",
            headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#])
    }

    static let missingToken = OpenAIError(
        .unauthorized,
        "You didn't provide an API key. Send it as a bearer token: Authorization: Bearer YOUR_KEY.",
        type: "invalid_request_error", code: "invalid_api_key",
        headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#])

    /// On Anthropic's routes, which take the key either way.
    static let missingAPIKey = OpenAIError(
        .unauthorized, "x-api-key header is required (or send the key as Authorization: Bearer YOUR_KEY).",
        type: "invalid_request_error", code: "invalid_api_key", headers: [.wwwAuthenticate: #"Bearer error="invalid_token""#])
    static func modelNotAllowed(_ model: String) -> OpenAIError {
        OpenAIError(
            .forbidden, "This API key may not use the model '\(model)'.", type: "invalid_request_error", param: "model",
            code: "model_not_allowed")
    }

    static func modelNotFound(_ model: String) -> OpenAIError {
        OpenAIError(
            .notFound, "The model '\(model)' does not exist or you do not have access to it.",
            type: "invalid_request_error", param: "model", code: "model_not_found")
    }

    /// A token with a budget asked for a model without a price: its cost could not be bounded.
    static func unpricedModel(_ model: String) -> OpenAIError {
        OpenAIError(
            .forbidden,
            "The model '\(model)' has no price, and this API key has a budget: it may use only models whose cost the gateway can count.",
            type: "invalid_request_error", param: "model", code: "model_not_priced")
    }

    /// The token's budget cannot pay the request's worst case (OpenAI's own answer for an exhausted quota).
    static func insufficientQuota(worstCase: NanoUSD, available: Int64, periodEnd: Int64?) -> OpenAIError {
        var message =
            "You exceeded your current quota: this API key's budget has $\(NanoUSD(max(0, available)).decimalString) left, "
            + "and this request may cost up to $\(worstCase.decimalString)."
        if let periodEnd {
            let end = Date(timeIntervalSince1970: TimeInterval(periodEnd)).formatted(.iso8601)
            message += " The budget renews at \(end)."
        } else {
            message += " Lower max_tokens, or ask for a higher max_budget_usd."
        }
        return OpenAIError(.tooManyRequests, message, type: "insufficient_quota", code: "insufficient_quota")
    }

    /// The budget authority cannot be asked and this gateway's lease does not cover the request.
    static func budgetUnavailable() -> OpenAIError {
        OpenAIError(
            .serviceUnavailable,
            "The budget service is unavailable and this gateway holds too little of this API key's budget; please retry shortly.",
            type: "api_error", code: "budget_unavailable", headers: [.retryAfter: "1"])
    }

    static func tooLarge(_ limit: Int) -> OpenAIError {
        OpenAIError(
            .contentTooLarge, "Request body is larger than the limit of \(limit) bytes.", type: "invalid_request_error",
            code: "request_too_large")
    }

    /// The client address spent its budget of failed authentications (`GATEWAY_AUTH_FAILURE_LIMIT`).
    static func tooManyFailedAuthentications(retryAfter seconds: Double) -> OpenAIError {
        let retry = max(1, Int(seconds.rounded(.up)))
        return OpenAIError(
            .tooManyRequests,
            "Too many failed authentications from this address. Please try again in \(retry)s with a valid API key.",
            type: "rate_limit_exceeded", code: "too_many_failed_authentications", headers: [.retryAfter: String(retry)])
    }

    /// Too many tokens unknown to the cache at once across all clients (`GATEWAY_TOKEN_RUNTIME_MAX_MISS_RATE`).
    static func introspectionRateLimited(retryAfter seconds: Double) -> OpenAIError {
        OpenAIError(
            .serviceUnavailable, "The gateway is checking too many new API keys at once; please retry shortly.",
            type: "api_error", code: "token_checks_busy", headers: [.retryAfter: String(max(1, Int(seconds.rounded(.up))))])
    }

    static let tokenRuntimeUnavailable = OpenAIError(
        .serviceUnavailable, "The token service is unavailable; please retry shortly.", type: "api_error",
        code: "token_runtime_unavailable", headers: [.retryAfter: "1"])

    static func upstreamFailed(_ message: String) -> OpenAIError {
        OpenAIError(.badGateway, message, type: "api_error", code: "upstream_error")
    }

    /// The gateway's own connection cap (or its file descriptors) left no room for the request: retry shortly.
    static func upstreamBusy(_ message: String) -> OpenAIError {
        OpenAIError(.serviceUnavailable, message, type: "api_error", code: "upstream_busy", headers: [.retryAfter: "1"])
    }

    static func upstreamTimeout(_ message: String) -> OpenAIError {
        OpenAIError(.gatewayTimeout, message, type: "api_error", code: "upstream_timeout")
    }

    /// Every provider of the model refused with its own rate limit.
    static func providersRateLimited(_ model: String, retryAfter: Int) -> OpenAIError {
        OpenAIError(
            .tooManyRequests,
            "Every provider of model '\(model)' is rate limited at the moment. Please try again in \(retryAfter)s.",
            type: "requests", code: "rate_limit_exceeded", headers: [.retryAfter: String(retryAfter)])
    }

    /// Every provider of the model rejected the gateway's own API key. The providers' messages are
    /// never passed on: they can quote part of the key.
    static func upstreamCredentialsRejected(_ model: String, providers: [String]) -> OpenAIError {
        OpenAIError(
            .badGateway,
            "The providers of model '\(model)' (\(providers.joined(separator: ", "))) rejected the gateway's credentials; the gateway's operator must fix the provider API keys.",
            type: "api_error", code: "upstream_credentials_rejected")
    }

    /// Sent as the last server-sent event when the provider fails after the stream has begun.
    static func upstreamStreamFailed(_ provider: String) -> OpenAIError {
        OpenAIError(
            .badGateway, "The provider \(provider) failed in the middle of the stream; the answer is incomplete.", type: "api_error",
            code: "upstream_stream_error")
    }

    /// Any error thrown below the HTTP edge, in the envelope.
    static func from(_ error: any Error) -> OpenAIError {
        switch error {
        case let error as OpenAIError:
            return error
        case let error as any HTTPResponseError where error.status == .contentTooLarge:
            return OpenAIError(.contentTooLarge, "Request body is too large.", type: "invalid_request_error", code: "request_too_large")
        case let error as HTTPError:
            return OpenAIError(error.status, error.body ?? error.status.reasonPhrase, type: kind(error.status))
        case let error as any HTTPResponseError:
            return OpenAIError(error.status, error.status.reasonPhrase, type: kind(error.status))
        default:
            return OpenAIError(.internalServerError, "Internal error.", type: "api_error")
        }
    }

    static func kind(_ status: HTTPResponse.Status) -> String {
        status.code >= 500 ? "api_error" : "invalid_request_error"
    }
}
