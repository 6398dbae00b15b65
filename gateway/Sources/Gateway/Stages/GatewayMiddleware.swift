import HTTPTypes
import Hummingbird
import Synchronization
import ServiceSupport

/// The outermost middleware: CORS (preflight answered here, before auth), the request id (kept from
/// the client or generated, returned on every response), the client address (behind trusted
/// proxies), request metrics, and every error that escaped a handler turned into OpenAI's error envelope.
struct GatewayMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext
    let cors: CORSPolicy
    let metrics: GatewayMetrics
    var trustedProxies = TrustedProxies()
    let requestIDs = RequestIDGenerator()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var context = context
        context.requestID = Self.clientRequestID(request) ?? requestIDs.next()
        if !trustedProxies.isEmpty {
            context.clientAddress = trustedProxies.clientAddress(
                peer: context.remoteAddress, forwardedFor: request.headers[.xForwardedFor],
                forwarded: request.headers[.forwarded])
        }
        let origin = request.headers[.origin]

        if request.method == .options, origin != nil, request.headers[.accessControlRequestMethod] != nil {
            return finish(preflight(origin: origin!), request: request, context: context, start: start)
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let failure as AnthropicErrorResponse {
            response = try failure.response(from: request, context: context)
        } catch {
            response = try OpenAIError.from(error).response(from: request, context: context)
        }
        if let origin, cors.allows(origin) {
            response.headers[.accessControlAllowOrigin] = origin
            response.headers[.accessControlExposeHeaders] = CORSPolicy.exposedHeaders
        }
        if origin != nil { response.headers[.vary] = "Origin" }
        return finish(response, request: request, context: context, start: start)
    }

    private func preflight(origin: String) -> Response {
        guard cors.allows(origin) else {
            return Response(status: .forbidden, headers: [.vary: "Origin"])
        }
        return Response(
            status: .noContent,
            headers: [
                .accessControlAllowOrigin: origin, .accessControlAllowMethods: CORSPolicy.allowedMethods,
                .accessControlAllowHeaders: CORSPolicy.allowedHeaders, .accessControlMaxAge: "600", .vary: "Origin",
            ])
    }

    private func finish(_ response: Response, request: Request, context: Context, start: ContinuousClock.Instant) -> Response {
        var response = response
        response.headers[.requestID] = context.requestID
        metrics.recordRequest(
            route: context.endpointPath ?? "unmatched", status: Int(response.status.code),
            nanoseconds: (ContinuousClock.now - start).nanoseconds)
        return response
    }

    /// The client's id when it is sane: 1 to 128 visible ASCII characters.
    static func clientRequestID(_ request: Request) -> String? {
        guard let value = request.headers[.requestID], !value.isEmpty, value.utf8.count <= 128,
            value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else { return nil }
        return value
    }
}

/// Request ids: a random per-process prefix and a counter. Unique, cheap, not secret.
final class RequestIDGenerator: Sendable {
    let prefix: String
    let counter = Atomic<UInt64>(0)

    init() {
        prefix = "req_" + String(UInt64.random(in: .min ... .max) & 0xFFFF_FFFF_FFFF, radix: 16)
    }

    func next() -> String {
        prefix + "_" + String(counter.add(1, ordering: .relaxed).newValue, radix: 16)
    }
}
