import Hummingbird
import ServiceSupport

/// The first API stage: opens the request's ``AuditTrail`` and writes it when the answer is known,
/// whatever a later stage answered (a refused token, a rate limit, a provider failure, a success).
/// A stream's record is written by the stream at its end (``AuditTrail/streams()``).
struct AuditMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let sink: any AuditSink
    let clock: any WallClock

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let trail = AuditTrail(
            AuditRecord(
                time: clock.now(), requestID: context.requestID, route: context.endpointPath ?? request.uri.path, status: 0,
                latencyMs: 0, clientAddress: context.clientAddress),
            sink: sink)
        var context = context
        context.audit = trail
        let response: Response
        do {
            response = try await next(request, context)
        } catch let failure as AnthropicErrorResponse {
            trail.finish(status: Int(failure.status.code))
            throw failure
        } catch {
            let failure = OpenAIError.from(error)
            trail.finish(status: Int(failure.status.code))
            throw failure
        }
        trail.finish(status: Int(response.status.code), unlessStreaming: true)
        return response
    }
}
