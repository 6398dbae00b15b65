import HTTPTypes
import Hummingbird

/// The stage after audit on Anthropic's routes: whatever a later stage throws (a refused key, a
/// rate limit, an exhausted budget, a provider failure) answers in Anthropic's error envelope
/// (``AnthropicErrorResponse``), so its SDKs raise the exception they would raise against
/// Anthropic itself. On `/v1/models`, shared by both kinds of client, only for a request that
/// carries `anthropic-version`.
struct AnthropicErrorMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    /// Only requests that carry `anthropic-version`; otherwise every request.
    var onlyWithVersionHeader = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if onlyWithVersionHeader, request.headers[AnthropicProviderClient.version] == nil { return try await next(request, context) }
        do {
            return try await next(request, context)
        } catch let failure as AnthropicErrorResponse {
            throw failure
        } catch {
            throw AnthropicErrorResponse(OpenAIError.from(error), requestID: context.requestID)
        }
    }
}

/// A gateway error in Anthropic's envelope, `{"type":"error","error":{"type","message"},"request_id"}`,
/// with its status and headers (`retry-after`) and Anthropic's `request-id` header. The status
/// keeps its meaning, and the type follows Anthropic's table (``AnthropicError/type(forStatus:)``),
/// except that an exhausted budget (OpenAI's 429 `insufficient_quota`) is Anthropic's 402 `billing_error`.
struct AnthropicErrorResponse: HTTPResponseError, Sendable {
    static let requestIDHeader = HTTPField.Name("request-id")!

    var status: HTTPResponse.Status
    var headers: HTTPFields
    var error: AnthropicError

    init(_ error: OpenAIError, requestID: String?) {
        var status = error.status
        if error.type == "insufficient_quota" { status = .init(code: 402) }
        self.status = status
        self.headers = error.headers
        self.error = AnthropicError(status: Int(status.code), message: error.message, requestID: requestID)
        if let requestID { headers[Self.requestIDHeader] = requestID }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: .init(byteBuffer: error.body))
    }
}
