import HTTPTypes
import Hummingbird
import ServiceSupport
import Tracing

/// The API stage after auth, on the routes that reach a provider: the token's requests-per-minute
/// and tokens-per-minute limits (its own claims, else the gateway's defaults). Over a limit: 429
/// with `Retry-After`; otherwise the `x-ratelimit-*` headers go on the answer, errors included, and
/// the tokens the answer used are charged when its audit record settles.
///
/// A token's own `rate_limit_rpm` holds across every gateway replica: its requests are leased from
/// platform-token-runtime per UTC minute (``QuotaLeases``), so however many gateways serve it, no
/// more than the limit start in a minute. When the runtime cannot be asked, this replica's own
/// limiter counts them instead (fail open: availability before exactness for rate limits).
/// Tokens-per-minute and the gateway's default limits are counted by each replica.
struct LimitsMiddleware: RouterMiddleware {
    typealias Context = AuthenticatedRequestContext
    let limiter: RateLimiter
    let defaults: RateLimiter.Limits
    let metrics: GatewayMetrics
    /// The runtime's requests-per-minute windows (nil: counted by this replica only).
    var quota: QuotaLeases?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // The span covers the decision (and a lease from the runtime), not the request behind it.
        let headers = try await withStageSpan("gateway.limits") { span in try await decide(context, span: span) }
        guard let headers else { return try await next(request, context) }
        return try await forward(request, context: context, headers: headers, next: next)
    }

    /// The limits' decision: nil when the token has none, else the `x-ratelimit-*` headers for the
    /// answer; 429 over a limit.
    private func decide(_ context: Context, span: any Span) async throws -> HTTPFields? {
        let claims = context.claims
        let limits = RateLimiter.Limits(
            requestsPerMinute: claims.rateLimitRPM.flatMap { $0 > 0 ? $0 : nil } ?? defaults.requestsPerMinute,
            tokensPerMinute: claims.rateLimitTPM.flatMap { $0 > 0 ? $0 : nil } ?? defaults.tokensPerMinute)
        guard limits.requestsPerMinute > 0 || limits.tokensPerMinute > 0 else {
            span.setAttributeIfRecording("ljq.limits", "none")
            return nil
        }

        var local = limits
        var admission: QuotaLeases.Admission?
        if let quota, let rpm = claims.rateLimitRPM, rpm > 0 {
            admission = try await Self.admit(quota, claims.jti, limit: rpm, metrics: metrics)
            if admission != nil { local.requestsPerMinute = 0 }
            span.setAttributeIfRecording("ljq.limits.shared_window", admission != nil)
        }
        let decision = limiter.acquire(claims.jti, limits: local)
        var headers = HTTPFields()
        decision.apply(to: &headers)
        if let admission {
            headers[.rateLimitLimitRequests] = String(admission.limit)
            headers[.rateLimitRemainingRequests] = String(admission.remaining)
            headers[.rateLimitResetRequests] = RateLimiter.Decision.format(admission.resetSeconds)
        }
        span.setAttributeIfRecording("ljq.limits.allowed", decision.allowed)
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
        return headers
    }

    /// One request admitted against the runtime's window, nil when the runtime cannot be asked; 429
    /// when the minute's requests are all taken.
    static func admit(_ quota: QuotaLeases, _ tokenID: String, limit: Int, metrics: GatewayMetrics) async throws -> QuotaLeases.Admission? {
        do {
            return try await quota.admit(tokenID, limit: limit)
        } catch .requestsExhausted(let retryAfter) {
            metrics.rateLimited.increment()
            let retry = max(1, Int(retryAfter.rounded(.up)))
            throw OpenAIError(
                .tooManyRequests,
                "Rate limit reached for requests per minute: limit \(limit). Please try again in \(retry)s.",
                type: "requests", code: "rate_limit_exceeded",
                headers: [
                    .retryAfter: String(retry), .rateLimitLimitRequests: String(limit), .rateLimitRemainingRequests: "0",
                    .rateLimitResetRequests: RateLimiter.Decision.format(retryAfter),
                ])
        } catch .tokenInactive {
            throw OpenAIError.invalidToken("The API key is no longer active.")
        } catch {
            return nil
        }
    }

    private func forward(
        _ request: Request, context: Context, headers: HTTPFields, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
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
