import ServiceSupport
import Hummingbird
import Logging

/// Outermost middleware: the client address behind trusted proxies, times every request into the
/// metrics and turns every error, including Hummingbird's own (unknown route, body too large), into
/// the API's JSON error body.
struct RuntimeHTTPMiddleware: RouterMiddleware {
    typealias Context = RuntimeRequestContext
    let metrics: RuntimeMetrics
    var trustedProxies = TrustedProxies()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        if !trustedProxies.isEmpty {
            context.forwardedClient = trustedProxies.clientAddress(
                peer: context.peer?.ipAddress, forwardedFor: request.headers[.xForwardedFor], forwarded: request.headers[.forwarded])
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let apiError = APIError.from(error)
            if apiError.status == .internalServerError {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            response = try apiError.response(from: request, context: context)
        }
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        metrics.recordRequest(
            route: context.endpointPath ?? "unmatched",
            method: request.method.rawValue,
            status: response.status.code,
            nanoseconds: seconds * 1_000_000_000 + attoseconds / 1_000_000_000
        )
        return response
    }
}
