import HTTPTypes
import Hummingbird

/// The API stage after auth, on the routes that reach a provider: the token's requests-per-minute
/// and tokens-per-minute limits (its own claims, else the gateway's defaults). Over a limit: 429
/// with `Retry-After`; otherwise the `x-ratelimit-*` headers go on the answer, errors included, and
/// the tokens the answer used are charged when its audit record settles.
struct LimitsMiddleware: RouterMiddleware {
    typealias Context = AuthenticatedRequestContext
    let limiter: RateLimiter
    let defaults: RateLimiter.Limits
    let metrics: GatewayMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let claims = context.claims
        let limits = RateLimiter.Limits(
            requestsPerMinute: claims.rateLimitRPM.flatMap { $0 > 0 ? $0 : nil } ?? defaults.requestsPerMinute,
            tokensPerMinute: claims.rateLimitTPM.flatMap { $0 > 0 ? $0 : nil } ?? defaults.tokensPerMinute)
        guard limits.requestsPerMinute > 0 || limits.tokensPerMinute > 0 else { return try await next(request, context) }

        let decision = limiter.acquire(claims.jti, limits: limits)
        var headers = HTTPFields()
        decision.apply(to: &headers)
        guard decision.allowed else {
            metrics.rateLimited.increment()
            let retry = max(1, Int(decision.retryAfter.rounded(.up)))
            let exceeded = decision.exceeded ?? "requests"
            headers[.retryAfter] = String(retry)
            throw OpenAIError(
                .tooManyRequests,
                "Rate limit reached for \(exceeded) per minute: limit \(exceeded == "tokens" ? limits.tokensPerMinute : limits.requestsPerMinute). Please try again in \(retry)s.",
                type: exceeded, code: "rate_limit_exceeded", headers: headers)
        }
        if limits.tokensPerMinute > 0 {
            let limiter = limiter
            let jti = claims.jti
            context.audit.onSettle { record in
                let used = (record.promptTokens ?? 0) + (record.completionTokens ?? 0)
                limiter.charge(jti, tokens: used, limits: limits)
            }
        }
        do {
            var response = try await next(request, context)
            response.headers.append(contentsOf: headers)
            return response
        } catch {
            var failure = OpenAIError.from(error)
            failure.headers.append(contentsOf: headers)
            throw failure
        }
    }
}
