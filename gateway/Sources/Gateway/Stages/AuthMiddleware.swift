import Hummingbird
import ServiceSupport
import Tracing

/// The API stage after audit: the bearer token becomes the request's claims (or the 401/429/503
/// that ``RequestAuthenticator`` decides), which the routes behind it receive in
/// ``AuthenticatedRequestContext``. A route registered in the API group cannot skip it.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let authenticator: RequestAuthenticator
    /// The token may come as `x-api-key` too (Anthropic's routes and `/v1/models`).
    var acceptsAPIKey = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let claims = try await withStageSpan("gateway.authenticate") { span in
            try await authenticator.authenticate(request, clientAddress: context.clientAddress, acceptsAPIKey: acceptsAPIKey, span: span)
        }
        context.audit?.update { record in
            record.tokenID = claims.jti
            record.subject = claims.subject
        }
        var context = context
        context.claims = claims
        return try await next(request, context)
    }
}
